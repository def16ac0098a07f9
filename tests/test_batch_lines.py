"""Fee lines in the batch: ``simulate(..., lines=)`` settles each claim with its lines as
``settle`` does (simulate_scalar is the definition), to the fen and with the same errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zjj_medical import Claim, Facility, Ledger, Person, ReimbursementError, settle
from zjj_medical.batch import simulate, simulate_file, simulate_scalar
from zjj_medical.contract.rows import line_from_row
from zjj_medical.engine.lines import FeeLine
from zjj_medical.errors import InvalidClaim
from zjj_medical.money import to_fen

D = Decimal
CASES = yaml.safe_load((Path(__file__).parent / "data" / "fee_lines.yaml").read_text("utf-8"))
STAY = next(c for c in CASES if c["name"].startswith("a stay of four lines"))
LINE_KEYS = ("code", "name", "class", "quantity", "price", "amount", "limit", "self_pay_ratio")


def _claim_row(cid: str, pid: str = "P1", **over: Any) -> dict[str, Any]:
    row = {
        "claim_id": cid, "person_id": pid, "kind": "inpatient", "date": "2019-11-03",
        "facility_id": None, "facility_level": "county", "facility_county": "sangzhi",
        "total": None, "in_scope": None,
    }  # fmt: skip
    row.update(over)
    return row


def _line_rows(cid: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"claim_id": cid, **{k: line.get(k) for k in LINE_KEYS}} for line in lines]


def _people(poor: bool = True, categories: str = "") -> pd.DataFrame:
    return pd.DataFrame(
        {"person_id": ["P1"], "poor": [poor], "county": ["sangzhi"], "categories": [categories]}
    )


def _both(claims: pd.DataFrame, people: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """simulate's table, checked equal (money, errors, messages) to simulate_scalar's."""
    got = simulate(claims, people, lines=lines, money="fen")
    pd.testing.assert_frame_equal(simulate_scalar(claims, people, lines=lines, money="fen"), got)
    return got


def test_worked_stay_of_four_lines() -> None:
    """The four-line stay of a registered poor person at a county hospital, by hand:
    total 1467.05, in scope 569.34 → basic 569.34 × 0.85 = 483.94, backstop
    round(0.85 × 1467.05) − 483.94 = 763.05, patient 220.06; a visit after it settles on."""
    claims = pd.DataFrame([_claim_row("S1"), _claim_row("V1", total="100", in_scope="100",
                                                        date="2019-11-04")])  # fmt: skip
    lines = pd.DataFrame(_line_rows("S1", STAY["lines"]))
    out = _both(claims, _people(), lines)
    first = out.iloc[0]
    assert (48394, 76305, 124699, 22006) == (
        first["basic_insurance"], first["fiscal_backstop"], first["reimbursed"],
        first["patient_pay"],
    )  # fmt: skip
    assert 146705 == first["reimbursed"] + first["patient_pay"]  # the total of the lines
    assert first["error"] is None
    assert out.iloc[1]["error"] is None
    assert 8500 == out.iloc[1]["basic_insurance"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_worked_examples_settle_as_settle_does(case: dict[str, Any]) -> None:
    """Each worked fee-line case, as a row with its lines, pays what settle pays (and what
    was worked by hand, where the case says)."""
    people = _people(case.get("poor", False), ";".join(case.get("categories", ())))
    claims = pd.DataFrame([_claim_row("X1")])
    out = _both(claims, people, pd.DataFrame(_line_rows("X1", case["lines"])))
    lines = [FeeLine(*(x.get(k) for k in LINE_KEYS)) for x in case["lines"]]
    person = Person("P1", poor=case.get("poor", False), county="sangzhi",
                    categories=tuple(case.get("categories", ())))  # fmt: skip
    s = settle(Claim("X1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
                     total=None, in_scope=None, lines=lines), person)  # fmt: skip
    for layer, amount in s.payments.items():
        assert to_fen(amount) == out.iloc[0][layer], layer
    for layer, amount in case.get("payments", {}).items():
        assert to_fen(D(amount)) == out.iloc[0][layer], layer
    assert to_fen(s.patient_pay) == out.iloc[0]["patient_pay"]


def test_given_total_and_in_scope_that_agree_settle_alike() -> None:
    """A row giving its lines' total and in-scope figures settles as one leaving them empty."""
    lines = pd.DataFrame(_line_rows("S1", STAY["lines"]))
    empty = _both(pd.DataFrame([_claim_row("S1")]), _people(), lines)
    given_ = _both(
        pd.DataFrame([_claim_row("S1", total="1467.05", in_scope="569.34")]), _people(), lines
    )
    pd.testing.assert_frame_equal(empty, given_)


def test_claims_table_without_amount_columns() -> None:
    """When every claim has lines, the claims table may have no total or in_scope column."""
    claims = pd.DataFrame([_claim_row("S1")]).drop(columns=["total", "in_scope"])
    out = _both(claims, _people(), pd.DataFrame(_line_rows("S1", STAY["lines"])))
    assert 48394 == out.iloc[0]["basic_insurance"]


# -- errors -------------------------------------------------------------------------------


def _one_error(lines: pd.DataFrame, **over: Any) -> pd.Series:
    """The error columns of claim S1 (a plain claim V1 beside it must settle)."""
    claims = pd.DataFrame([_claim_row("S1", **over), _claim_row("V1", total="100",
                                                                in_scope="100")])  # fmt: skip
    out = _both(claims, _people(), lines)
    assert out.iloc[1]["error"] is None
    assert 0 == out.iloc[0]["reimbursed"] == out.iloc[0]["patient_pay"]
    return out.iloc[0]


@pytest.mark.parametrize(
    ("line", "column", "value", "field", "words"),
    [
        (1, "price", "12.351", "lines[1].price", "more than 2 decimal places"),
        (0, "quantity", "0", "lines[0].quantity", "is not a quantity"),
        (2, "class", None, "lines[2].class", "missing"),
        (3, "limit", "-1", "lines[3].limit", "negative"),
        (1, "self_pay_ratio", "1.5", "lines[1].self_pay_ratio", "not a ratio"),
        (0, "amount", "499.00", "lines[0].amount", "is not quantity × price"),
    ],
)
def test_a_bad_line_cell_is_its_claims_error(
    line: int, column: str, value: Any, field: str, words: str
) -> None:
    """A cell of a line that cannot be read refuses the claim, naming the line and cell."""
    lines = pd.DataFrame(_line_rows("S1", STAY["lines"]))
    lines[column] = lines[column].astype(object)
    lines.loc[line, column] = value
    row = _one_error(lines)
    assert "claim.line.invalid" == row["error_code"]
    assert field == row["error_field"]
    assert f"claim S1: {field}: " in row["error"]
    assert words in row["error"]


def test_an_unknown_class_is_its_claims_error() -> None:
    """A class the catalogue does not declare: the split's error, listing the classes."""
    lines = pd.DataFrame(_line_rows("S1", STAY["lines"]))
    lines.loc[2, "class"] = "D"
    row = _one_error(lines)
    assert ("claim.line.class", "lines[2].class") == (row["error_code"], row["error_field"])


def test_lines_disagreeing_with_given_in_scope_or_total() -> None:
    """A given in_scope (or total) that is not the lines' is refused, naming both figures."""
    lines = pd.DataFrame(_line_rows("S1", STAY["lines"]))
    row = _one_error(lines, in_scope="600.00")
    assert ("claim.lines.in_scope", "in_scope") == (row["error_code"], row["error_field"])
    assert "in_scope: 600.00 is not the in-scope part of the fee lines, 569.34" in row["error"]
    row = _one_error(lines, total="1500.00")
    assert ("claim.lines.total", "total") == (row["error_code"], row["error_field"])
    assert "total: 1500.00 is not the sum of the fee lines, 1467.05" in row["error"]


def test_a_claim_without_lines_still_needs_its_amounts() -> None:
    """A claim row without lines beside claims with lines: empty in_scope is still missing."""
    claims = pd.DataFrame([_claim_row("S1"), _claim_row("L1")])  # neither gives amounts
    out = _both(claims, _people(), pd.DataFrame(_line_rows("L1", STAY["lines"])))
    assert ["claim.column.missing", None] == out["error_code"].tolist()
    assert "total" == out.iloc[0]["error_field"]


@pytest.mark.parametrize("run", [simulate, simulate_scalar])
def test_a_line_of_an_unknown_claim_is_refused(run: Any) -> None:
    """A line whose claim_id is on no claims row refuses the run."""
    lines = pd.DataFrame(_line_rows("S9", STAY["lines"]))
    with pytest.raises(ValueError, match=r"claim_id 'S9' is not in the claims table"):
        run(pd.DataFrame([_claim_row("S1")]), _people(), lines=lines)


@pytest.mark.parametrize("run", [simulate, simulate_scalar])
def test_duplicate_claim_ids_with_lines_are_refused(run: Any) -> None:
    """Lines for a claim id on two claims rows cannot be attributed: the run is refused."""
    claims = pd.DataFrame([_claim_row("S1"), _claim_row("S1", date="2019-12-01")])
    with pytest.raises(ValueError, match=r"claim_id 'S1' is on more than one claims row"):
        run(claims, _people(), lines=pd.DataFrame(_line_rows("S1", STAY["lines"])))


def test_duplicate_ids_without_lines_are_refused_per_row_as_before() -> None:
    """Claim ids given twice without lines keep their per-row duplicate error."""
    claims = pd.DataFrame([_claim_row("S1"), _claim_row("V1", total="1", in_scope="1"),
                           _claim_row("V1", total="1", in_scope="1")])  # fmt: skip
    out = _both(claims, _people(), pd.DataFrame(_line_rows("S1", STAY["lines"])))
    assert [None, None, "claim.duplicate.ledger"] == out["error_code"].tolist()


@pytest.mark.parametrize("run", [simulate, simulate_scalar])
def test_a_lines_table_without_a_column_or_claim_id_is_refused(run: Any) -> None:
    """A lines table lacking a required column, or a line without claim_id, is refused."""
    lines = pd.DataFrame(_line_rows("S1", STAY["lines"]))
    claims = pd.DataFrame([_claim_row("S1")])
    with pytest.raises(ValueError, match=r"lines: the table has no price column"):
        run(claims, _people(), lines=lines.drop(columns=["price"]))
    lines.loc[1, "claim_id"] = None
    with pytest.raises(ValueError, match=r"lines: data row 2 has no claim_id"):
        run(claims, _people(), lines=lines)


def test_line_from_row_names_the_cell() -> None:
    """The row reader: numbers from Parquet are read as their text; errors name the cell."""
    line = line_from_row({"claim_id": "C1", "code": 101, "name": "x", "class": "B",
                          "quantity": 1.5, "price": 0.33, "limit": float("nan")}, 0)  # fmt: skip
    assert (D("1.5"), D("0.33"), D("0.50"), "101", None) == (
        line.quantity, line.price, line.amount, line.code, line.limit,
    )  # fmt: skip
    with pytest.raises(InvalidClaim) as info:
        line_from_row({"claim_id": "C1", "code": "x", "name": "", "class": "A",
                       "quantity": "1", "price": "1"}, 4)  # fmt: skip
    assert ("lines[4].name", "claim.line.invalid") == (info.value.field, info.value.code)
    with pytest.raises(InvalidClaim, match=r"lines\[0\]\.name: '\\ud800' is not valid Unicode"):
        line_from_row({"claim_id": "C1", "code": "x", "name": "\ud800", "class": "A",
                       "quantity": "1", "price": "1"}, 0)  # fmt: skip


# -- the property --------------------------------------------------------------------------

_KINDS = {"inpatient": ("township", "county", "municipal"), "outpatient": ("township", "county")}


@st.composite
def _lines(draw: st.DrawFn) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(1, 5))):
        quantity = D(draw(st.integers(1, 300))).scaleb(-1)
        price = D(draw(st.integers(1, 500_000))).scaleb(-2)
        line: dict[str, Any] = {
            "code": f"K{draw(st.integers(0, 99))}", "name": "项目",
            "class": draw(st.sampled_from(["A", "B", "C", "甲类", "乙类", "丙类"])),
            "quantity": str(quantity), "price": str(price),
        }  # fmt: skip
        if draw(st.booleans()):
            line["limit"] = str(D(draw(st.integers(1, 500_000))).scaleb(-2))
        if draw(st.integers(0, 3)) == 0:
            line["self_pay_ratio"] = str(D(draw(st.integers(0, 100))).scaleb(-2))
        if draw(st.booleans()):
            line["amount"] = str(FeeLine("-", "-", "-", quantity, price).total)
        out.append(line)
    return out


@st.composite
def _person_year(draw: st.DrawFn, k: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[Any]]:
    pid = f"P{k}"
    person = {"person_id": pid, "poor": draw(st.booleans()), "county": "sangzhi",
              "categories": draw(st.sampled_from(["", "tekun", "dibao"]))}  # fmt: skip
    claims, lines = [], []
    for j in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(sorted(_KINDS)))
        day = dt.date(2019, 1, 1) + dt.timedelta(days=draw(st.integers(0, 364)))
        row = _claim_row(f"{pid}-C{j}", pid, kind=kind, date=day.isoformat(),
                         facility_level=draw(st.sampled_from(_KINDS[kind])))  # fmt: skip
        if draw(st.integers(0, 4)) == 0:  # a claim without lines
            total = D(draw(st.integers(0, 5_000_000))).scaleb(-2)
            row.update(total=str(total), in_scope=str(total * D("0.9")).split(".")[0])
        else:
            drawn = draw(_lines())
            lines += _line_rows(row["claim_id"], drawn)
            if draw(st.integers(0, 3)) == 0:  # the lines' own total, given
                row["total"] = str(sum(FeeLine(*(x.get(k) for k in LINE_KEYS)).total
                                       for x in drawn))  # fmt: skip
            spoil = draw(st.sampled_from(["in_scope", "class"] + [""] * 10))
            if spoil == "in_scope":  # an in_scope that is (most likely) not the lines'
                row["in_scope"] = "0.01"
            elif spoil == "class":
                lines[-1]["class"] = "D"
        spoil = draw(st.sampled_from(["level", "person"] + [""] * 10))
        if spoil == "level":
            row["facility_level"] = "moon"
        elif spoil == "person":
            row["person_id"] = "nobody"
        claims.append(row)
    return person, claims, lines


def _settle_each(claims: pd.DataFrame, people: pd.DataFrame, lines: pd.DataFrame) -> list[Any]:
    """Each row's payments in fen (or its error code), by settle with a ledger a person-year."""
    persons = {p["person_id"]: Person(p["person_id"], poor=p["poor"], county=p["county"],
                                      categories=tuple(c for c in [p["categories"]] if c))
               for p in people.to_dict("records")}  # fmt: skip
    out: list[Any] = [None] * len(claims)
    todo = []
    for i, c in enumerate(claims.to_dict("records")):
        mine = lines[lines["claim_id"] == c["claim_id"]].to_dict("records")
        fee = [FeeLine(*(None if pd.isna(x.get(k)) else x[k] for k in LINE_KEYS)) for x in mine]
        total, in_scope = (None if pd.isna(c[k]) else c[k] for k in ("total", "in_scope"))
        try:
            claim = Claim(c["claim_id"], c["kind"], c["date"],
                          Facility(level=c["facility_level"], county=c["facility_county"]),
                          total=total, in_scope=in_scope, lines=fee)  # fmt: skip
        except ReimbursementError as exc:
            out[i] = exc.code
            continue
        todo.append((c["person_id"], claim.date, claim.id, i, claim))
    ledgers: dict[str, Ledger] = {}
    for pid, _, _, i, claim in sorted(todo, key=lambda t: t[:4]):
        if pid not in persons:
            out[i] = "claim.person_id.unknown"
            continue
        try:
            s = settle(claim, persons[pid], ledger=ledgers.get(pid))
        except ReimbursementError as exc:
            out[i] = exc.code
            continue
        ledgers[pid] = s.ledger
        out[i] = {k: to_fen(v) for k, v in s.payments.items()}
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=4).flatmap(
    lambda ks: st.tuples(*(_person_year(k) for k in range(len(ks))))
))  # fmt: skip
def test_property_simulate_with_lines_equals_scalar_and_settle(
    drawn: tuple[tuple[dict[str, Any], list[dict[str, Any]], list[Any]], ...],
) -> None:
    """Random person-years with random lines (classes A/B/C and their names, limits, a line's
    own ratio, the 特困 category's share of 0), some claims without lines, some rows refused
    (an unknown class, an in_scope the lines disagree with, an unknown level or person):
    simulate equals simulate_scalar (every column, messages included) and settle claim by
    claim, to the fen and error code."""
    people = pd.DataFrame([p for p, _, _ in drawn])
    claims = pd.DataFrame([c for _, cs, _ in drawn for c in cs])
    rows = [x for _, _, ls in drawn for x in ls]
    lines = pd.DataFrame(rows, columns=["claim_id", *LINE_KEYS])
    got = _both(claims, people, lines)
    for i, expected in enumerate(_settle_each(claims, people, lines)):
        row = got.iloc[i]
        if isinstance(expected, str):
            assert expected == row["error_code"], i
            continue
        assert row["error"] is None, row["error"]
        assert expected == {k: row[k] for k in expected}, i


# -- files ---------------------------------------------------------------------------------


def _county(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Tables of 60 persons' claims, most with lines, a few refused."""
    rng = np.random.default_rng(seed)
    people = pd.DataFrame({
        "person_id": [f"P{k}" for k in range(60)], "poor": rng.random(60) < 0.4,
        "county": "sangzhi", "categories": rng.choice(["", "tekun"], 60),
    })  # fmt: skip
    claims, lines = [], []
    for j in range(400):
        cid = f"C{j}"
        day = dt.date(2019, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
        row = _claim_row(cid, f"P{rng.integers(0, 60)}", date=day.isoformat())
        if rng.random() < 0.2:
            row.update(total="1000.00", in_scope="800.00")
        else:
            for _ in range(int(rng.integers(1, 6))):
                lines.append({
                    "claim_id": cid, "code": "K", "name": "项目",
                    "class": str(rng.choice(["A", "B", "C", "乙类"])),
                    "quantity": str(int(rng.integers(1, 20))),
                    "price": f"{rng.integers(1, 100000) / 100:.2f}",
                    "limit": None if rng.random() < 0.7 else f"{rng.integers(1, 1000) / 10:.2f}",
                })  # fmt: skip
        claims.append(row)
    lines_frame = pd.DataFrame(lines)
    lines_frame.loc[5, "price"] = "1.001"  # one claim refused for its line
    return pd.DataFrame(claims), people, lines_frame


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_simulate_file_with_lines_equals_simulate(tmp_path: Path, suffix: str) -> None:
    """simulate_file with a lines CSV or Parquet file gives simulate's table, over several
    partitions of persons."""
    claims, people, lines = _county(7)
    paths = {name: tmp_path / f"{name}{suffix}" for name in ("claims", "people", "lines")}
    for name, frame in (("claims", claims), ("people", people), ("lines", lines)):
        if suffix == ".csv":
            frame.to_csv(paths[name], index=False)
        else:
            frame.to_parquet(paths[name], index=False)
    out = tmp_path / f"out{suffix}"
    n = simulate_file(paths["claims"], paths["people"], out, lines=paths["lines"], money="fen",
                      partition_claims=100)  # fmt: skip
    expected = _both(claims, people, lines)
    got = (
        pd.read_csv(out, keep_default_na=False, na_values=[""], dtype={"error": object})
        if suffix == ".csv"
        else pd.read_parquet(out)
    )
    assert len(claims) == n == len(got)
    assert 1 == expected["error_code"].notna().sum()
    for column in expected.columns:
        want = [None if v is None or v != v else v for v in expected[column]]
        have = [None if v is None or v != v else v for v in got[column]]
        if column.startswith("error") or column.endswith("_id"):
            have = [None if v is None else str(v) for v in have]
        assert want == have, column


def test_simulate_file_refuses_a_line_of_an_unknown_claim(tmp_path: Path) -> None:
    """The file runner refuses what simulate refuses of the lines."""
    claims, people, lines = _county(3)
    lines.loc[0, "claim_id"] = "nowhere"
    for name, frame in (("claims", claims), ("people", people), ("lines", lines)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    with pytest.raises(ValueError, match=r"claim_id 'nowhere' is not in the claims table"):
        simulate_file(tmp_path / "claims.csv", tmp_path / "people.csv", tmp_path / "o.csv",
                      lines=tmp_path / "lines.csv")  # fmt: skip


def test_cli_simulate_reads_a_lines_file(tmp_path: Path) -> None:
    """``zjj-medical simulate CLAIMS --people PEOPLE --lines LINES -o OUT`` settles the claims
    with their lines (the result file is simulate's)."""
    from click.testing import CliRunner

    from zjj_medical.cli import cli

    claims, people, lines = _county(5)
    for name, frame in (("claims", claims), ("people", people), ("lines", lines)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    args = ["simulate", str(tmp_path / "claims.csv"), "--people", str(tmp_path / "people.csv"),
            "--lines", str(tmp_path / "lines.csv")]  # fmt: skip
    done = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "out.csv")])
    assert 0 == done.exit_code, done.output
    got = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    expected = simulate(claims, people, lines=lines, money="fen")
    assert [f"{v / 100:.2f}" for v in expected["basic_insurance"]] == got[
        "basic_insurance"
    ].tolist()
    assert expected["error_code"].fillna("").tolist() == got["error_code"].tolist()
