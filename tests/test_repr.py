"""What a notebook shows: the short repr and the HTML of a settlement, a summary, a
comparison and a policy — exact money as text, worked out by hand below — and the notes
that say why a layer pays nothing or a person is worse off."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd
import pytest
from rich.console import Console

from zjj_medical import Claim, Facility, Person, load_policy, settle
from zjj_medical.analysis.metrics import summarize
from zjj_medical.analysis.plots import fund_cost_figure
from zjj_medical.analysis.reform import compare
from zjj_medical.batch import simulate
from zjj_medical.render.notes import assumed_zero_layers
from zjj_medical.render.sheet import settlement_sheet

COUNTY_080 = {"layers[basic_insurance].ratio.values.2019-01-01.county": "0.80"}


def _first_claim() -> tuple[Person, Claim]:
    """A registered-poor Sangzhi resident, county hospital, total 20000.00, in scope 18000.00."""
    person = Person("SZ-0001", poor=True, county="桑植县")
    hospital = Facility(level="县级医院", county="桑植县")
    return person, Claim("SZ-0001-A1", "inpatient", "2019-11-03", hospital, "20000.00", "18000.00")


@pytest.fixture(scope="module")
def household() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Sangzhi household's year: the county admission above, then a provincial one
    (total 60000.00, in scope 50000.00, out of the county: no fiscal backstop)."""
    people = pd.DataFrame({"person_id": ["SZ-0001"], "poor": [True], "county": ["sangzhi"]})
    claims = pd.DataFrame(
        {
            "claim_id": ["A1", "A2"],
            "person_id": ["SZ-0001", "SZ-0001"],
            "kind": ["inpatient", "inpatient"],
            "date": ["2019-11-03", "2019-12-10"],
            "facility_id": [None, None],
            "facility_level": ["county", "provincial"],
            "facility_county": ["sangzhi", None],
            "total": ["20000.00", "60000.00"],
            "in_scope": ["18000.00", "50000.00"],
        }
    )
    return people, claims


# -- Settlement ---------------------------------------------------------------------------


def test_settlement_repr_is_one_line_with_exact_amounts() -> None:
    """basic 18000 × (0.75 + 0.10) = 15300.00; backstop 0.85 × 20000 − 15300 = 1700.00;
    reimbursed 17000.00, the patient 20000 − 17000 = 3000.00, ratio 17000 ÷ 20000 = 85.00%."""
    person, claim = _first_claim()
    text = repr(settle(claim, person))
    assert "\n" not in text
    assert len(text) < 200
    for part in ("SZ-0001-A1", "total 20000.00", "reimbursed 17000.00", "patient pays 3000.00", "85.00%"):  # fmt: skip
        assert part in text


def test_settlement_html_lists_every_payer_and_why_a_zero() -> None:
    """Every layer's row with its exact amount, the totals, and the note of a layer paying 0."""
    person, claim = _first_claim()
    html = settle(claim, person)._repr_html_()
    assert html.startswith("<div")
    assert "<table>" in html
    for part in ("15300.00", "1700.00", "17000.00", "3000.00", "85.00%", "20000.00", "18000.00"):
        assert f">{part}<" in html
    assert "财政兜底 fiscal backstop" in html
    assert "I-5" in html  # the safety-net layers say why they paid 0.00
    assert "Decimal(" not in html


# -- Policy -------------------------------------------------------------------------------


def test_policy_repr_is_short() -> None:
    """The built-in policy: its id, from 2019-01-01, its 7 layers, its file — not its data."""
    text = repr(load_policy("zhangjiajie"))
    assert "\n" not in text
    assert len(text) < 200
    for part in ("zhangjiajie", "from 2019-01-01", "7 layers", "zhangjiajie.yaml"):
        assert part in text


def test_policy_html_lists_layers_and_the_assumed_zero_rates() -> None:
    """Each layer in a row; the three safety-net layers are flagged as assumed 0."""
    html = load_policy("zhangjiajie")._repr_html_()
    for layer in ("basic_insurance", "critical_illness", "fiscal_backstop", "outpatient_pooling"):
        assert f">{layer}<" in html
    assert 3 == html.count("rate assumed 0")


def test_the_assumed_zero_layers_are_the_three_without_a_stated_rate() -> None:
    """I-5: 扶贫特惠保, 医疗救助, 医院减免 have ratio 0, assumed; example_county gives rates."""
    assert ["hospital_reduction", "medical_assistance", "special_poverty_insurance"] == sorted(
        assumed_zero_layers(load_policy("zhangjiajie"))
    )
    assert {} == assumed_zero_layers(load_policy("example_county"))


# -- Summary ------------------------------------------------------------------------------


def test_summary_repr_and_html_give_the_year_exactly(
    household: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """A1 as above (reimbursed 17000.00); A2: basic 50000 × 0.65 = 32500.00, critical illness
    on the year's base 2700 + (50000 − 32500) = 20200, above the halved deductible 5000:
    15200 × 0.65 = 9880.00. Reimbursed 17000 + 32500 + 9880 = 59380.00 of 80000.00; out of
    pocket 3000 + 17620 = 20620.00."""
    people, claims = household
    policy = load_policy("zhangjiajie")
    s = summarize(simulate(claims, people, policy=policy), people, claims=claims, policy=policy)
    text = repr(s)
    assert "\n" not in text
    for part in ("zhangjiajie", "1 persons", "2 claims", "80000.00", "59380.00", "20620.00"):
        assert part in text
    html = s._repr_html_()
    for part in ("47800.00", "9880.00", "1700.00", "59380.00", "20620.00"):  # 15300 + 32500 = 47800
        assert f">{part}<" in html
    assert "Decimal(" not in html


def test_summary_notes_the_layers_whose_rate_is_assumed_zero(
    household: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """The fund-cost table says why the three safety-net layers pay 0.00; the others are blank."""
    people, claims = household
    s = summarize(simulate(claims, people), people, claims=claims)
    notes = dict(zip(s.fund_cost["layer"], s.fund_cost["note"], strict=True))
    for layer in ("special_poverty_insurance", "medical_assistance", "hospital_reduction"):
        assert notes[layer].startswith("rate assumed 0 (I-5")
    for layer in ("basic_insurance", "critical_illness", "fiscal_backstop"):
        assert "" == notes[layer]
    assert 3 == s._repr_html_().count("rate assumed 0")


def test_fund_cost_figure_labels_an_assumed_zero_layer(
    household: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """The bar of a layer with an assumed-zero rate carries the note in its label."""
    people, claims = household
    s = summarize(simulate(claims, people), people, claims=claims)
    fig = fund_cost_figure(s)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert 3 == sum("rate assumed 0" in t for t in labels)


def test_the_sheet_names_the_assumed_zero_layers_in_one_line() -> None:
    """One line under the totals names 扶贫特惠保、医疗救助、医院减免 as assumed 0."""
    person, claim = _first_claim()
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(settlement_sheet([settle(claim, person)], person, load_policy()))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    lines = [line for line in text.splitlines() if "按 0 计" in line]
    assert 1 == len(lines)
    assert "扶贫特惠保、医疗救助、医院减免" in lines[0]


def test_a_policy_with_rates_has_no_zero_rate_line() -> None:
    """example_county gives the safety net rates: no such line on its sheet."""
    policy = load_policy("example_county")
    person, claim = _first_claim()
    person = Person("P1", poor=True, county=next(iter(policy.counties)))
    claim = Claim("C1", "inpatient", "2019-11-03",
                  Facility(level="county", county=person.county), "20000.00", "18000.00")  # fmt: skip
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(settlement_sheet([settle(claim, person, policy=policy)], person, policy))
    assert "按 0 计" not in console.file.getvalue()  # type: ignore[attr-defined]


# -- Comparison and the worse-off -------------------------------------------------------


def test_comparison_repr_html_and_the_worse_off_explained(
    household: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """County hospitals at 80%: A1's basic insurance 18000 × 0.90 = 16200.00 and the backstop
    17000 − 16200 = 800.00 (the patient still pays 3000.00), but the year's critical-illness
    base after A1 is 1800 instead of 2700, so A2's payment is (1800 + 17500 − 5000) × 0.65 =
    9295.00 instead of 9880.00: the person pays 585.00 more (900 × 0.65)."""
    people, claims = household
    c = compare(claims, people, "zhangjiajie", COUNTY_080)
    text = repr(c)
    assert "\n" not in text
    assert "out of pocket +585.00" in text
    assert "reimbursed -585.00" in text
    assert "1 worse off" in text
    html = c._repr_html_()
    # basic insurance 15300 + 32500 = 47800.00 → 16200 + 32500 = 48700.00 (+900.00);
    # critical illness 9880.00 → 9295.00 (-585.00); the backstop 1700.00 → 800.00 (-900.00)
    for part in ("47800.00", "48700.00", "+900.00", "9880.00", "9295.00", "-585.00",
                 "1700.00", "800.00", "-900.00"):  # fmt: skip
        assert f">{part}<" in html
    assert "worse_off()" in html
    assert "how-to/reform-notebook/#who-is-worse-off" in html

    worse = c.worse_off()
    assert ["SZ-0001"] == worse["person_id"].tolist()
    row = worse.iloc[0]
    assert (Decimal("20620.00"), Decimal("21205.00"), Decimal("585.00")) == (
        row["baseline"], row["reform"], row["change"],
    )  # fmt: skip
    assert "critical_illness, fiscal_backstop" == row["paid_less"]
    assert "critical-illness insurance paid less" in row["why"]
    assert "how-to/reform-notebook/#who-is-worse-off" in row["why"]


def test_a_reform_nobody_loses_by_says_so() -> None:
    """One non-poor claim at a county hospital, total and in scope 10500: basic insurance
    pays (10500 − 500 deductible) × 0.75 = 7500.00, under the reform × 0.80 = 8000.00, so the
    person pays 500.00 less and nobody is worse off."""
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame(
        {"claim_id": ["C1"], "person_id": ["P1"], "kind": ["inpatient"], "date": ["2019-05-01"],
         "facility_id": [None], "facility_level": ["county"], "facility_county": ["cili"],
         "total": ["10500"], "in_scope": ["10500"]}
    )  # fmt: skip
    c = compare(claims, people, None, COUNTY_080)
    assert 0 == len(c.worse_off())
    assert "Nobody is worse off" in c._repr_html_()
    assert "out of pocket -500.00" in repr(c)
    assert "1 better off, 0 worse off" in repr(c)
