"""The batch engine's edges, worked by hand: which rows settle, under which numbers, in
which groups, and what the result table holds (tests/MUTATION.md, run mutbatch).

Each test also holds the batch to its definition, :func:`~zjj_medical.batch.simulate_scalar`
(``settle`` one claim at a time), where that adds a check the hand figures do not.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from zjj_medical import Claim, Facility, InvalidClaim, load_policy
from zjj_medical.batch import MONEY_DTYPE, money_from_fen, simulate, simulate_scalar
from zjj_medical.batch._output import ratio_4
from zjj_medical.i18n import use_language
from zjj_medical.policy.loader import policy_source

SHAPES = Path(__file__).parent / "fixtures" / "policies" / "shapes"
CASES = yaml.safe_load((Path(__file__).parent / "data" / "fee_lines.yaml").read_text("utf-8"))
#: Four fee lines of a county stay: total 1467.05, in scope 569.34 (tests/data/fee_lines.yaml).
STAY = next(c for c in CASES if c["name"].startswith("a stay of four lines"))["lines"]
LINE_KEYS = ("code", "name", "class", "quantity", "price", "amount", "limit", "self_pay_ratio")
ERRORS = ["error", "error_type", "error_field", "error_code"]


def _claims(*rows: dict[str, Any]) -> pd.DataFrame:
    """Claims with the defaults of an outpatient visit at a township clinic of Cili."""
    base = {
        "person_id": "P1", "kind": "outpatient", "date": "2019-10-01", "facility_id": None,
        "facility_level": "township", "facility_county": "cili", "total": "100.00",
        "in_scope": "100.00",
    }  # fmt: skip
    return pd.DataFrame([{**base, **r} for r in rows])


def _people(*rows: tuple[str, bool, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": [r[0] for r in rows],
            "poor": [r[1] for r in rows],
            "county": [r[2] for r in rows],
        }
    )


def _same_as_scalar(claims: pd.DataFrame, people: pd.DataFrame, **kw: Any) -> pd.DataFrame:
    out = simulate(claims, people, money="fen", **kw)
    pd.testing.assert_frame_equal(simulate_scalar(claims, people, money="fen", **kw), out)
    return out


# --- progress -------------------------------------------------------------------------------


def test_progress_reports_done_of_all_rows_while_settling_and_at_the_end() -> None:
    """progress(done, total): total is the number of input rows (4, one of them refused) on
    every call; done never goes back and ends at 4; a person's three claims settle one after
    the other, so some call comes before the end."""
    seen: list[tuple[int, int]] = []
    claims = _claims(
        {"claim_id": "A", "date": "2019-10-01"},
        {"claim_id": "B", "date": "2019-10-02"},
        {"claim_id": "C", "date": "2019-10-03"},
        {"claim_id": "X", "person_id": "nobody"},
    )
    simulate(claims, _people(("P1", False, "cili")), progress=lambda d, t: seen.append((d, t)))
    assert {4} == {t for _, t in seen}
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert (4, 4) == seen[-1]
    assert any(d < 4 for d in done)
    assert all(0 <= d <= 4 for d in done)


# --- the policy's dates -----------------------------------------------------------------------


def test_a_value_changing_on_a_date_applies_from_that_very_date() -> None:
    """Outpatient pooling starts 2019-09-01 (70 % at township clinics): a visit of 100.00 on
    2019-08-31 gets 0, one on 2019-09-01 gets 70.00 (separate persons, so no cap is shared)."""
    people = _people(("P1", False, "cili"), ("P2", False, "cili"))
    claims = _claims(
        {"claim_id": "A", "person_id": "P1", "date": "2019-08-31"},
        {"claim_id": "B", "person_id": "P2", "date": "2019-09-01"},
    )
    out = _same_as_scalar(claims, people)
    assert [0, 7000] == out["outpatient_pooling"].tolist()
    assert [None, None] == out["error"].tolist()


def test_policy_period_edges_and_a_dated_deductible() -> None:
    """The dates shape (in force from 2021-01-01 until 2022-01-01; deductible 1000, from
    2021-07-01 800; ratio 0.60; a pilot layer paying 50 % of what is left, 2021-04-01 until
    2021-09-01). Each claim (inpatient, 2000.00 in scope) is a different person:

    - 2020-12-31 and 2022-01-01: outside the period, PolicyNotInForce;
    - 2021-01-01: (2000 − 1000) × 0.60 = 600.00, no pilot yet;
    - 2021-07-01: (2000 − 800) × 0.60 = 720.00; pilot (2000 − 720) × 0.50 = 640.00;
    - 2021-09-01: 720.00; the pilot has ended (0);
    - 2021-12-31: 720.00.
    """
    policy = load_policy(str(SHAPES / "dates.yaml"))
    dates = ["2020-12-31", "2021-01-01", "2021-07-01", "2021-09-01", "2021-12-31", "2022-01-01"]
    people = _people(*((f"P{k}", False, "here") for k in range(len(dates))))
    claims = _claims(
        *(
            {
                "claim_id": f"C{k}",
                "person_id": f"P{k}",
                "kind": "inpatient",
                "date": d,
                "facility_level": "county",
                "facility_county": "here",
                "total": "2000.00",
                "in_scope": "2000.00",
            }
            for k, d in enumerate(dates)
        )
    )
    out = _same_as_scalar(claims, people, policy=policy)
    assert [0, 60000, 72000, 72000, 72000, 0] == out["basic_insurance"].tolist()
    assert [0, 0, 64000, 0, 0, 0] == out["pilot_insurance"].tolist()
    assert ["PolicyNotInForce", None, None, None, None, "PolicyNotInForce"] == out[
        "error_type"
    ].tolist()
    assert ["date", None, None, None, None, "date"] == out["error_field"].tolist()


def test_the_built_in_policy_is_chosen_by_the_good_dates() -> None:
    """policy=None: the claims of 2024 settle under the 2024 policy (no fiscal backstop layer;
    a "primary" tier, which the 2019 policy does not have); a row with a date that is not one
    is refused and does not take part in the choice."""
    people = _people(("P1", False, "cili"))
    claims = _claims(
        {"claim_id": "A", "date": "2024-03-01", "facility_level": "primary"},
        {"claim_id": "B", "date": "not a date", "facility_level": "primary"},
    )
    out = simulate(claims, people, money="fen")
    assert "fiscal_backstop" not in out.columns
    assert [None, "date"] == out["error_field"].tolist()
    pd.testing.assert_frame_equal(
        simulate_scalar(claims, people, money="fen", policy=load_policy("zhangjiajie_2024")), out
    )


def test_annual_caps_start_again_on_the_first_of_january() -> None:
    """Outpatient pooling: 70 % up to 350.00 a person-year. 600.00 on 2019-12-31 pays 350.00
    (the cap: 600 × 0.70 = 420 > 350); 600.00 on 2020-01-02 pays 350.00 again, a new year."""
    claims = _claims(
        {"claim_id": "A", "date": "2019-12-31", "total": "600", "in_scope": "600"},
        {"claim_id": "B", "date": "2020-01-02", "total": "600", "in_scope": "600"},
    )
    out = _same_as_scalar(claims, _people(("P1", False, "cili")))
    assert [35000, 35000] == out["outpatient_pooling"].tolist()


# --- rows refused ---------------------------------------------------------------------------


def test_rows_missing_an_id_or_kind_are_refused_and_the_rest_settle() -> None:
    """A row without claim_id, person_id or kind is refused (InvalidClaim, naming the field);
    the person's other claims settle as if it were absent: 100 × 0.70 = 70.00, then 200 ×
    0.70 = 140.00, 210.00 in all, below the 350.00 cap."""
    claims = _claims(
        {"claim_id": "A", "date": "2019-10-01"},
        {"claim_id": None, "date": "2019-10-02"},
        {"claim_id": "C", "person_id": None, "date": "2019-10-03"},
        {"claim_id": "D", "kind": None, "date": "2019-10-04"},
        {"claim_id": "E", "date": "2019-10-05", "total": "200", "in_scope": "200"},
    )
    out = _same_as_scalar(claims, _people(("P1", False, "cili")))
    assert [7000, 0, 0, 0, 14000] == out["outpatient_pooling"].tolist()
    assert [None, "InvalidClaim", "InvalidClaim", "InvalidClaim", None] == out[
        "error_type"
    ].tolist()
    assert [None, "claim_id", "person_id", "kind", None] == out["error_field"].tolist()


def test_in_scope_equal_to_total_settles_and_above_it_is_refused() -> None:
    """in_scope = total is allowed (70.00 paid on 100.00); in_scope > total by a fen is not."""
    claims = _claims(
        {"claim_id": "A", "person_id": "P1"},
        {"claim_id": "B", "person_id": "P2", "in_scope": "100.01"},
    )
    out = _same_as_scalar(claims, _people(("P1", False, "cili"), ("P2", False, "cili")))
    assert [7000, 0] == out["outpatient_pooling"].tolist()
    assert [None, "InvalidClaim"] == out["error_type"].tolist()


def test_a_person_who_cannot_be_read_refuses_only_their_claims() -> None:
    """A person whose county is not one of the policy's: their claim is refused; another
    person of the same table settles (70.00)."""
    people = _people(("P1", False, "cili"), ("P2", False, "atlantis"))
    claims = _claims({"claim_id": "A", "person_id": "P2"}, {"claim_id": "B", "person_id": "P1"})
    out = _same_as_scalar(claims, people)
    assert [0, 7000] == out["outpatient_pooling"].tolist()
    assert ["InvalidClaim", None] == out["error_type"].tolist()


def test_a_person_id_given_twice_is_refused() -> None:
    """The people table names P2 twice (after P1): the run is refused, naming P2."""
    people = _people(("P1", False, "cili"), ("P2", False, "cili"), ("P2", True, "cili"))
    with pytest.raises(ValueError, match="given twice") as caught:
        simulate(_claims({"claim_id": "A"}), people)
    assert "people: person_id 'P2' is given twice" == str(caught.value)


def test_a_person_who_cannot_be_read_under_a_policy_without_counties() -> None:
    """The dates shape declares no counties (any county is taken). A person whose poor is
    "maybe" cannot be read: their claim is refused for it; P1's settles ((2000 − 1000) × 0.60
    = 600.00). So does P3's, who comes after the unreadable person in the table."""
    policy = load_policy(str(SHAPES / "dates.yaml"))
    people = pd.DataFrame(
        {"person_id": ["P1", "P2", "P3"], "poor": [False, "maybe", False],
         "county": ["here"] * 3}
    )  # fmt: skip
    row = {
        "kind": "inpatient", "date": "2021-02-01", "facility_level": "county",
        "facility_county": "here", "total": "2000.00", "in_scope": "2000.00",
    }  # fmt: skip
    claims = _claims(*({**row, "claim_id": f"C{p}", "person_id": p} for p in ("P2", "P1", "P3")))
    out = _same_as_scalar(claims, people, policy=policy)
    assert [0, 60000, 60000] == out["basic_insurance"].tolist()
    assert ["InvalidClaim", None, None] == out["error_type"].tolist()
    assert ["person.poor", None, None] == out["error_field"].tolist()


def test_people_ids_join_claims_whatever_the_order() -> None:
    """Three people in one order, their claims in another: each claim settles for its own
    person (the poor one at a county hospital gets the fiscal backstop; the others not)."""
    people = _people(("P3", False, "cili"), ("P1", True, "sangzhi"), ("P2", False, "cili"))
    claims = _claims(
        *(
            {
                "claim_id": f"C{p}",
                "person_id": p,
                "kind": "inpatient",
                "date": "2019-11-03",
                "facility_level": "county",
                "facility_county": c,
                "total": "20000.00",
                "in_scope": "18000.00",
            }
            for p, c in (("P1", "sangzhi"), ("P2", "cili"), ("P3", "cili"))
        )
    )
    out = _same_as_scalar(claims, people)
    # P1 poor: 18000 × 0.85 = 15300; backstop 0.85 × 20000 − 15300 = 1700 (as the worked
    # example of the batch docs). P2, P3: (18000 − 500) × 0.75 = 13125, no backstop.
    assert [1530000, 1312500, 1312500] == out["basic_insurance"].tolist()
    assert [170000, 0, 0] == out["fiscal_backstop"].tolist()
    assert [True, False, False] == out["pay_later"].tolist()


# --- what the policy can tell apart ----------------------------------------------------------


def test_an_accident_is_kept_apart_from_a_claim_like_it() -> None:
    """Pay later is for the poor's in-county inpatient claims, accidents excepted: two such
    claims of one poor person, one an accident, pay later False and True."""
    claims = _claims(
        *(
            {
                "claim_id": cid,
                "kind": "inpatient",
                "date": day,
                "facility_level": "county",
                "facility_county": "sangzhi",
                "accident": acc,
            }
            for cid, day, acc in (("A", "2019-11-03", True), ("B", "2019-11-04", False))
        )
    )
    out = _same_as_scalar(claims, _people(("P1", True, "sangzhi")))
    assert [True, True] == out["in_county"].tolist()
    assert [False, True] == out["pay_later"].tolist()


@pytest.mark.parametrize("level", [None, "municipal"])
@pytest.mark.parametrize("known_id", ["zjj-peoples-hospital", "市人民医院"])
@pytest.mark.parametrize("first", ["known", "unknown"])
def test_a_designated_hospital_is_kept_apart_from_an_unknown_one(
    first: str, known_id: str, level: str | None
) -> None:
    """Yongding's people are in-county at the designated municipal hospitals: a claim at
    zjj-peoples-hospital (by its id or its alias 市人民医院; tier municipal from the facility,
    or given) is in-county; one at an unknown facility given as municipal is not — whichever
    of the two rows comes first, and even when every other input of the two is the same."""
    rows = {
        "known": {"claim_id": "K", "person_id": "P1", "facility_id": known_id,
                  "facility_level": level},
        "unknown": {"claim_id": "U", "person_id": "P2", "facility_id": "H-elsewhere",
                    "facility_level": "municipal"},
    }  # fmt: skip
    order = [first, "unknown" if first == "known" else "known"]
    claims = _claims(
        *(
            {**rows[k], "kind": "inpatient", "date": "2019-11-03", "facility_county": "yongding"}
            for k in order
        )
    )
    people = _people(("P1", True, "yongding"), ("P2", True, "yongding"))
    out = _same_as_scalar(claims, people)
    assert [k == "known" for k in order] == out["in_county"].tolist()
    assert [k == "known" for k in order] == out["pay_later"].tolist()


def test_known_facilities_of_different_tiers_are_kept_apart(tmp_path: Path) -> None:
    """The built-in policy with two more facilities, designated for no county: a county
    hospital and a township health centre of Cili. Claims at each (level left to the
    facility, 1000.00 in scope, non-poor, each a different person): (1000 − 500) × 0.75 =
    375.00 at the county tier, (1000 − 200) × 1.00 = 800.00 at the township tier."""
    text, _ = policy_source("zhangjiajie")
    text = text.replace(
        "facilities:\n",
        "facilities:\n"
        "  cili-county: {name: 慈利县人民医院, tier: county, county: cili}\n"
        "  cili-town: {name: 慈利县某乡镇卫生院, tier: township, county: cili}\n",
        1,
    )
    (tmp_path / "more.yaml").write_text(text, "utf-8")
    policy = load_policy(str(tmp_path / "more.yaml"))
    people = _people(("P1", False, "cili"), ("P2", False, "cili"))
    claims = _claims(
        *(
            {
                "claim_id": f"C{pid}",
                "person_id": pid,
                "kind": "inpatient",
                "date": "2019-11-03",
                "facility_id": fid,
                "facility_level": None,
                "facility_county": "cili",
                "total": "1000.00",
                "in_scope": "1000.00",
            }
            for pid, fid in (("P1", "cili-county"), ("P2", "cili-town"))
        )
    )
    out = _same_as_scalar(claims, people, policy=policy)
    assert [37500, 80000] == out["basic_insurance"].tolist()


def test_two_unknown_facilities_settle_alike() -> None:
    """Two facility ids the policy does not know, of the same level and county, settle alike
    (each 100 × 0.70 = 70.00), and a known one by its alias gives its tier."""
    people = _people(("P1", False, "cili"), ("P2", False, "cili"), ("P3", False, "cili"))
    claims = _claims(
        {"claim_id": "A", "person_id": "P1", "facility_id": "H-1"},
        {"claim_id": "B", "person_id": "P2", "facility_id": "H-2"},
        {"claim_id": "C", "person_id": "P3", "facility_id": "市人民医院", "facility_level": None},
    )
    out = _same_as_scalar(claims, people)
    # C: a municipal hospital is not a primary facility: no outpatient pooling.
    assert [7000, 7000, 0] == out["outpatient_pooling"].tolist()


# --- empty tables ----------------------------------------------------------------------------


def test_no_claims_give_an_empty_table_with_every_column() -> None:
    policy = load_policy()
    claims = _claims({"claim_id": "A"}).iloc[:0]
    out = simulate(claims, _people(("P1", False, "cili")), policy=policy, money="fen")
    layers = [layer.id for layer in policy.layers]
    assert [
        "claim_id", "person_id", "in_county", "pay_later", *layers, "reimbursed",
        "patient_pay", "actual_ratio", *ERRORS,
    ] == list(out.columns)  # fmt: skip
    assert 0 == len(out)


def test_every_row_refused() -> None:
    claims = _claims({"claim_id": "A", "person_id": "nobody"})
    out = _same_as_scalar(claims, _people(("P1", False, "cili")))
    assert ["InvalidClaim"] == out["error_type"].tolist()
    assert [0] == out["reimbursed"].tolist()
    assert np.isnan(out.loc[0, "actual_ratio"])


# --- the result table --------------------------------------------------------------------------


def test_money_units_of_the_result() -> None:
    """One poor person's county admission (20000.00, 18000.00 in scope): reimbursed 17000.00,
    patient pay 3000.00, ratio 0.85, in fen, yuan and exact decimal yuan."""
    claims = _claims(
        {"claim_id": "C1", "kind": "inpatient", "date": "2019-11-03", "facility_level": "county",
         "facility_county": "sangzhi", "total": "20000.00", "in_scope": "18000.00"},
    )  # fmt: skip
    people = _people(("P1", True, "sangzhi"))
    fen = simulate(claims, people, money="fen")
    yuan = simulate(claims, people, money="yuan")
    dec = simulate(claims, people, money="decimal")
    assert [1700000, 300000] == fen[["reimbursed", "patient_pay"]].iloc[0].tolist()
    assert [17000.0, 3000.0] == yuan[["reimbursed", "patient_pay"]].iloc[0].tolist()
    assert [Decimal("17000.00"), Decimal("3000.00")] == dec[["reimbursed", "patient_pay"]].iloc[
        0
    ].tolist()
    assert MONEY_DTYPE == dec["reimbursed"].dtype
    assert MONEY_DTYPE == dec["basic_insurance"].dtype
    assert 0.85 == fen.loc[0, "actual_ratio"] == dec.loc[0, "actual_ratio"]
    with pytest.raises(ValueError, match="cents"):
        simulate(claims, people, money="cents")  # type: ignore[arg-type]


# --- fee lines ---------------------------------------------------------------------------------


def test_claims_with_lines_among_claims_without() -> None:
    """Two poor persons of Sangzhi at a county hospital (deductible waived, 0.75 + 0.10 =
    0.85; the backstop tops up to 85 % of the total). Rows, in input order:

    - V0 (P2, 100.00 given): basic 100 × 0.85 = 85.00, backstop 0;
    - B1 (P2, the stay's lines with a class the catalogue does not have): refused,
      ``claim.line.class`` at ``lines[2].class``;
    - S1 (P1, the stay's four lines, amounts left empty): total 1467.05, in scope 569.34 →
      basic 569.34 × 0.85 = 483.939 → 483.94, backstop round(0.85 × 1467.05) − 483.94 =
      1246.99 − 483.94 = 763.05, patient 1467.05 − 1246.99 = 220.06;
    - V1 (P1, 100.00 given, the day after S1): basic 85.00.
    """
    claims = _claims(
        *(
            {
                "claim_id": cid,
                "person_id": pid,
                "kind": "inpatient",
                "date": day,
                "facility_level": "county",
                "facility_county": "sangzhi",
                "total": amount,
                "in_scope": amount,
            }
            for cid, pid, day, amount in (
                ("V0", "P2", "2019-11-02", "100"),
                ("B1", "P2", "2019-11-03", None),
                ("S1", "P1", "2019-11-03", None),
                ("V1", "P1", "2019-11-04", "100"),
            )
        )
    )
    bad = [dict(x) for x in STAY]
    bad[2]["class"] = "D"
    lines = pd.DataFrame(
        [{"claim_id": cid, **{k: x.get(k) for k in LINE_KEYS}} for x in STAY for cid in ["S1"]]
        + [{"claim_id": "B1", **{k: x.get(k) for k in LINE_KEYS}} for x in bad]
    )
    people = _people(("P1", True, "sangzhi"), ("P2", True, "sangzhi"))
    out = simulate(claims, people, lines=lines, money="fen")
    pd.testing.assert_frame_equal(simulate_scalar(claims, people, lines=lines, money="fen"), out)
    assert [8500, 0, 48394, 8500] == out["basic_insurance"].tolist()
    assert [0, 0, 76305, 0] == out["fiscal_backstop"].tolist()
    assert [1500, 0, 22006, 1500] == out["patient_pay"].tolist()
    assert [None, "claim.line.class", None, None] == out["error_code"].tolist()
    assert [None, "lines[2].class", None, None] == out["error_field"].tolist()


def test_a_claim_with_lines_of_an_unknown_person_is_refused() -> None:
    """A claim with fee lines whose person is not in the people table: refused for its
    person (as a claim without lines is); a visit after it settles (70.00), and a later row
    with a total of three decimals is refused for it."""
    claims = _claims(
        {"claim_id": "S1", "person_id": "nobody", "kind": "inpatient", "date": "2019-11-03",
         "facility_level": "county", "facility_county": "sangzhi", "total": None,
         "in_scope": None},
        {"claim_id": "V1", "person_id": "P1"},
        {"claim_id": "V2", "person_id": "P1", "date": "2019-10-02", "total": "100.005"},
    )  # fmt: skip
    lines = pd.DataFrame([{"claim_id": "S1", **{k: x.get(k) for k in LINE_KEYS}} for x in STAY])
    people = _people(("P1", False, "cili"))
    out = simulate(claims, people, lines=lines, money="fen")
    pd.testing.assert_frame_equal(simulate_scalar(claims, people, lines=lines, money="fen"), out)
    assert ["InvalidClaim", None, "InvalidClaim"] == out["error_type"].tolist()
    assert ["person_id", None, "total"] == out["error_field"].tolist()
    assert [0, 7000, 0] == out["outpatient_pooling"].tolist()


# --- duplicates and the errors before them ---------------------------------------------------


def test_two_claim_ids_each_met_twice_in_a_person_year() -> None:
    """Claims A, B, A, B, C of one person-year, by date: the second A and the second B are
    duplicates; A, B, C settle (70.00 each, 210.00 in all, under the 350.00 cap)."""
    claims = _claims(
        *(
            {"claim_id": cid, "date": f"2019-10-0{k + 1}"}
            for k, cid in enumerate(["A", "B", "A", "B", "C"])
        )
    )
    out = _same_as_scalar(claims, _people(("P1", False, "cili")))
    assert [None, None, "DuplicateClaim", "DuplicateClaim", None] == out["error_type"].tolist()
    assert [7000, 7000, 0, 0, 7000] == out["outpatient_pooling"].tolist()


def test_a_row_refused_for_its_fields_keeps_its_error_beside_a_settled_claim_of_its_id() -> None:
    """Claim A settles on 10-01; a row with the same id on 10-02 has a total of three decimals:
    its fields are checked before the ledger, so its error is that total, not a duplicate."""
    claims = _claims(
        {"claim_id": "A", "date": "2019-10-01"},
        {"claim_id": "A", "date": "2019-10-02", "total": "100.005"},
    )
    out = _same_as_scalar(claims, _people(("P1", False, "cili")))
    assert [None, "claim.money.decimals"] == out["error_code"].tolist()
    assert [None, "total"] == out["error_field"].tolist()


def test_a_row_outside_the_policy_keeps_its_error_beside_a_settled_claim_of_its_id(
    tmp_path: Path,
) -> None:
    """A policy in force from 2021-01-01 until 2021-12-01 (the dates shape, cut short): claim A
    settles on 2021-04-01 ((2000 − 1000) × 0.60 = 600.00); a row of the same id and person on
    2021-12-15 is outside the policy — checked before the ledger: PolicyNotInForce, not a
    duplicate."""
    text = (SHAPES / "dates.yaml").read_text("utf-8")
    text = text.replace(
        "effective: {from: 2021-01-01, until: 2022-01-01}",
        "effective: {from: 2021-01-01, until: 2021-12-01}",
    )
    (tmp_path / "cut.yaml").write_text(text, "utf-8")
    policy = load_policy(str(tmp_path / "cut.yaml"))
    row = {
        "claim_id": "A", "kind": "inpatient", "facility_level": "county",
        "facility_county": "here", "total": "2000.00", "in_scope": "2000.00",
    }  # fmt: skip
    claims = _claims({**row, "date": "2021-04-01"}, {**row, "date": "2021-12-15"})
    out = _same_as_scalar(claims, _people(("P1", False, "here")), policy=policy)
    assert [60000, 0] == out["basic_insurance"].tolist()
    assert [None, "PolicyNotInForce"] == out["error_type"].tolist()


def test_a_duplicate_is_found_before_the_policys_checks_of_the_claim() -> None:
    """Claim A settles on 10-01; a row with the same id on 10-02 is an inpatient claim at a
    village clinic, which the policy refuses — but the ledger is looked at first: it is a
    duplicate."""
    claims = _claims(
        {"claim_id": "A", "date": "2019-10-01"},
        {"claim_id": "A", "date": "2019-10-02", "kind": "inpatient",
         "facility_level": "village_clinic"},
    )  # fmt: skip
    out = _same_as_scalar(claims, _people(("P1", False, "cili")))
    assert [None, "DuplicateClaim"] == out["error_type"].tolist()
    assert [None, "claim.duplicate.ledger"] == out["error_code"].tolist()


# --- the result table's money and words -----------------------------------------------------


def test_money_from_fen_of_negative_zero_and_several_amounts() -> None:
    """Fen to exact yuan: 1530000 → 15300.00, 0 → 0.00, −5 → −0.05, 1 → 0.01, in order and
    with the index asked for."""
    got = money_from_fen(np.array([1530000, 0, -5, 1]), index=["a", "b", "c", "d"])
    assert [Decimal("15300.00"), Decimal("0.00"), Decimal("-0.05"), Decimal("0.01")] == got.tolist()
    assert ["a", "b", "c", "d"] == got.index.tolist()
    assert MONEY_DTYPE == got.dtype


def test_decimal_money_of_several_rows() -> None:
    """money="decimal" over three visits of one person: 70.00, 140.00, then the year's cap
    leaves 350.00 − 210.00 = 140.00 of 70 % × 300.00 = 210.00."""
    claims = _claims(
        {"claim_id": "A", "date": "2019-10-01"},
        {"claim_id": "B", "date": "2019-10-02", "total": "200", "in_scope": "200"},
        {"claim_id": "C", "date": "2019-10-03", "total": "300", "in_scope": "300"},
    )
    out = simulate(claims, _people(("P1", False, "cili")), money="decimal")
    assert [Decimal("70.00"), Decimal("140.00"), Decimal("140.00")] == out[
        "outpatient_pooling"
    ].tolist()
    assert [Decimal("30.00"), Decimal("60.00"), Decimal("160.00")] == out["patient_pay"].tolist()


def test_the_error_column_is_in_the_current_language() -> None:
    """Under Chinese the error column holds the class and the Chinese message."""
    try:
        Claim("C1", "outpatient", "2019-10-01", Facility(level="township", county="cili"),
              "100.005", "100.00")  # fmt: skip
    except InvalidClaim as exc:
        error = exc
    zh = f"InvalidClaim: {error.render('zh')}"
    assert zh != f"InvalidClaim: {error.render('en')}"
    claims = _claims({"claim_id": "C1", "total": "100.005"})
    with use_language("zh"):
        out = simulate(claims, _people(("P1", False, "cili")))
    assert [zh] == out["error"].tolist()


# --- columns and tiers ------------------------------------------------------------------------


def test_a_claims_table_without_total_is_refused() -> None:
    """Without fee lines, total is a required column: ValueError naming it."""
    claims = _claims({"claim_id": "A"}).drop(columns=["total"])
    with pytest.raises(ValueError, match="total"):
        simulate(claims, _people(("P1", False, "cili")))


def test_the_facility_columns_may_be_left_out() -> None:
    """A claims table with facility_id only (no facility_level, facility_county columns): a
    poor Yongding person's admission at the designated zjj-peoples-hospital takes the
    facility's tier (municipal) and is in-county."""
    claims = _claims(
        {"claim_id": "A", "kind": "inpatient", "date": "2019-11-03",
         "facility_id": "zjj-peoples-hospital"},
    ).drop(columns=["facility_level", "facility_county"])  # fmt: skip
    out = _same_as_scalar(claims, _people(("P1", True, "yongding")))
    assert [None] == out["error"].tolist()
    assert [True] == out["in_county"].tolist()
    # Municipal, poor: deductible waived, 0.65 + 0.10 = 0.75 of 100.00 = 75.00.
    assert [7500] == out["basic_insurance"].tolist()


def test_a_repeat_admission_counts_only_the_same_tier() -> None:
    """The 2024 policy halves the deductible of a later admission at the same grade. One
    person, 10,000.00 in scope each (CI: 2210 + 2640 + 2005 = 6855 of base, under its 16,000
    deductible, so 0):

    - 02-01, first level: (10000 − 500) × 0.82 = 7790.00;
    - 03-01, second level (its first there): (10000 − 800) × 0.80 = 7360.00;
    - 04-01, first level again: (10000 − 250) × 0.82 = 7995.00.
    """
    claims = _claims(
        *(
            {
                "claim_id": cid,
                "kind": "inpatient",
                "date": day,
                "facility_level": tier,
                "total": "10000",
                "in_scope": "10000",
            }
            for cid, day, tier in (
                ("A", "2024-02-01", "first_level"),
                ("B", "2024-03-01", "second_level"),
                ("C", "2024-04-01", "first_level"),
            )
        )
    )
    policy = load_policy("zhangjiajie_2024")
    out = _same_as_scalar(claims, _people(("P1", False, "cili")), policy=policy)
    assert [779000, 736000, 799500] == out["basic_insurance"].tolist()
    assert [0, 0, 0] == out["critical_illness"].tolist()


def test_given_order_keeps_each_persons_rows_in_their_order() -> None:
    """order="given", two persons' visits interleaved, 20 each, dated backwards (so the date
    order is the other way round): each person's first five rows take the year's 350.00 of
    outpatient pooling (5 × 70.00), the fifteen after them nothing."""
    claims = _claims(
        *(
            {"claim_id": f"{p}-{k}", "person_id": p, "date": f"2019-10-{30 - k:02d}"}
            for k in range(20)
            for p in ("P1", "P2")
        )
    )
    people = _people(("P1", False, "cili"), ("P2", False, "cili"))
    out = _same_as_scalar(claims, people, order="given")
    for p in ("P1", "P2"):
        paid = out.loc[out["person_id"] == p, "outpatient_pooling"].tolist()
        assert [7000] * 5 + [0] * 15 == paid


def test_a_row_with_a_bad_date_is_refused_under_a_policy_from_1970(tmp_path: Path) -> None:
    """The dates shape moved to 1970 (in force 1970-01-01 until 1971-01-01): a claim of
    1970-03-01 settles ((2000 − 1000) × 0.60 = 600.00); a row dated 1970-13-01 is refused for
    its date — a date that cannot be read is never read as some day of the policy."""
    text = (SHAPES / "dates.yaml").read_text("utf-8").replace("2022-", "1971-")
    (tmp_path / "old.yaml").write_text(text.replace("2021-", "1970-"), "utf-8")
    policy = load_policy(str(tmp_path / "old.yaml"))
    row = {
        "kind": "inpatient", "facility_level": "county", "facility_county": "here",
        "total": "2000.00", "in_scope": "2000.00",
    }  # fmt: skip
    claims = _claims(
        {**row, "claim_id": "A", "date": "1970-03-01"},
        {**row, "claim_id": "B", "person_id": "P2", "date": "1970-13-01"},
    )
    people = _people(("P1", False, "here"), ("P2", False, "here"))
    out = _same_as_scalar(claims, people, policy=policy)
    assert [60000, 0] == out["basic_insurance"].tolist()
    assert [None, "date"] == out["error_field"].tolist()


# --- the actual ratio -------------------------------------------------------------------------


def test_actual_ratio_half_up_to_four_places_in_integers() -> None:
    """reimbursed ÷ total, half up to 4 places: 1/1 = 1.0, 0/1 = 0.0, 1/20000 = 0.00005 →
    0.0001, 1/20001 → 0.0; NaN where the total is 0, as a float column. And near the largest
    amounts (a total of 9,999,999,819.99 yuan, 8,999,499,838.00 reimbursed): the quotient
    is 0.899949999999999949999… → 0.8999, which a computation in doubles would round to
    0.9000 (20000 × reimbursed exceeds 2^53)."""
    got = ratio_4(
        np.array([1, 0, 1, 1, 0, 899949983800], dtype=np.int64),
        np.array([1, 1, 20000, 20001, 0, 999999981999], dtype=np.int64),
    )
    assert np.dtype("float64") == got.dtype
    assert [1.0, 0.0, 0.0001, 0.0, 0.8999] == got[[0, 1, 2, 3, 5]].tolist()
    assert np.isnan(got[4])


def test_a_claim_of_total_zero_has_no_actual_ratio() -> None:
    """A visit of 0.00 settles (0 paid) with no actual ratio (NaN); one of 0.01 pays
    round(0.01 × 0.70) and its ratio is that over 0.01."""
    claims = _claims(
        {"claim_id": "A", "person_id": "P1", "total": "0", "in_scope": "0"},
        {"claim_id": "B", "person_id": "P2", "total": "0.01", "in_scope": "0.01"},
    )
    out = _same_as_scalar(claims, _people(("P1", False, "cili"), ("P2", False, "cili")))
    assert [None, None] == out["error"].tolist()
    assert np.isnan(out.loc[0, "actual_ratio"])
    paid = out.loc[1, "reimbursed"]
    assert paid in (0, 1)  # 0.7 fen, to the fen
    assert float(paid) == out.loc[1, "actual_ratio"]


def test_a_claim_with_lines_first_in_a_table_without_amount_columns() -> None:
    """Every claim has lines, so the claims table may leave out total and in_scope; the claim
    with lines is the first of its kind (the stay, then a second stay a day later, both of a
    poor person of Sangzhi at a county hospital): basic 483.94 and backstop 763.05 on the
    first (as worked above), and the same on the second: the year's critical-illness base
    (569.34 − 483.94 = 85.40 a stay) stays far below its deductible, the caps far away."""
    claims = _claims(
        *(
            {
                "claim_id": cid,
                "kind": "inpatient",
                "date": day,
                "facility_level": "county",
                "facility_county": "sangzhi",
            }
            for cid, day in (("S1", "2019-11-03"), ("S2", "2019-11-04"))
        )
    ).drop(columns=["total", "in_scope"])
    lines = pd.DataFrame(
        [
            {"claim_id": cid, **{k: x.get(k) for k in LINE_KEYS}}
            for cid in ("S1", "S2")
            for x in STAY
        ]
    )
    people = _people(("P1", True, "sangzhi"))
    out = simulate(claims, people, lines=lines, money="fen")
    pd.testing.assert_frame_equal(simulate_scalar(claims, people, lines=lines, money="fen"), out)
    assert [48394, 48394] == out["basic_insurance"].tolist()
    assert [76305, 76305] == out["fiscal_backstop"].tolist()
