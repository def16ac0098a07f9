"""``zjj-medical policy show``: every rule is shown (repeat admissions, accumulation, shared
caps), cells wrap at 80 columns without cutting a number, conditions read as words, and a
date outside the policy is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from zjj_medical.cli import cli
from zjj_medical.policy import load_policy
from zjj_medical.render.policy_table import wrap

SHAPES = Path(__file__).parent / "fixtures" / "policies" / "shapes"
ENV = {"TERM": "dumb", "NO_COLOR": "1", "FORCE_COLOR": None}


def show(*args: str) -> tuple[int, str]:
    """Run policy show; the exit code and what it printed (errors included)."""
    result = CliRunner(env=ENV).invoke(cli, ["policy", "show", *args])
    return result.exit_code, result.output


def columns(line: str) -> list[str]:
    """The cells of a table line (between │ or ┃ borders)."""
    return [c.strip() for c in re.split("[│┃]", line)[1:-1]]


@pytest.mark.parametrize(
    ("policy", "on"),
    [("zhangjiajie", "2019-11-01"), ("zhangjiajie_2024", "2024-03-01"),
     ("example_county", "2019-11-01")],
)  # fmt: skip
def test_wraps_at_80_columns_without_cutting_numbers(policy: str, on: str) -> None:
    """At 80 columns no line is wider, nothing is cut (no …) and no cell breaks inside a number."""
    code, out = show(policy, "--date", on, "--width", "80")
    assert 0 == code, out
    lines = out.splitlines()
    assert [] == [line for line in lines if cell_len(line) > 80]
    # rich marks a cut cell with …; the sources' own …… are not cuts
    assert [] == [line for line in lines if re.search(r"[^…]… *[│┃]", line)]
    cells = {c for line in lines for c in columns(line)}
    loaded = load_policy(policy)
    shown = [p for layer in loaded.layers for p in layer.params()]
    shown += [c.amount for c in loaded.shared_caps]
    for param in shown:
        for number in re.findall(r"\d+(?:\.\d+)?", param.reference):
            assert any(number in c for c in cells), (param.path, number)


def test_conditions_read_as_words() -> None:
    """No Python reprs: a list condition reads 'tier is village_clinic, township or community'."""
    code, out = show("zhangjiajie", "--date", "2019-11-01", "--width", "200")
    assert 0 == code
    assert "tier is village_clinic, township or community" in out
    assert "['" not in out


def test_repeat_rules_and_accumulation_are_shown() -> None:
    """The 2024 policy's half deductible from the second admission, and per-claim and per-year
    accumulation, appear in the tables."""
    code, out = show("zhangjiajie_2024", "--date", "2024-03-01", "--width", "400")
    assert 0 == code
    assert "from the 2nd claim of the year at the same tier: deductible × 0.5" in out
    assert "per claim" in out
    assert "cumulative over the person-year" in out


def test_conditional_repeat_rules_are_shown_with_their_condition() -> None:
    """Each repeat rule of a list shows its condition."""
    code, out = show(str(SHAPES / "deductible_repeat_when.yaml"), "--date", "2021-03-01",
                     "--width", "400")  # fmt: skip
    assert 0 == code, out
    assert "at any tier: deductible 300.00 (never more than it would be), if poor=true" in out
    assert "at the same tier: deductible × 0.5, if group=other" in out


def test_shared_caps_are_shown_in_each_layer() -> None:
    """A cap shared by two layers is shown in both, with the other layer named."""
    code, out = show(str(SHAPES / "caps.yaml"), "--date", "2021-06-01", "--width", "400")
    assert 0 == code, out
    assert 2 <= out.count("shared cap ")
    assert " with " in out


@pytest.mark.parametrize(
    ("policy", "on", "message"),
    [
        ("zhangjiajie", "2018-12-31", "zhangjiajie is not in force on 2018-12-31: it is in force from 2019-01-01"),
        ("zhangjiajie_2024", "2023-06-30", "zhangjiajie_2024 is not in force on 2023-06-30"),
    ],
)  # fmt: skip
def test_a_date_outside_the_policy_is_refused(policy: str, on: str, message: str) -> None:
    """A date before the policy starts exits 1 with a clear message and no tables."""
    code, out = show(policy, "--date", on)
    assert 1 == code
    assert message in out
    assert "┃" not in out


def test_wrap_breaks_between_pieces_only() -> None:
    """wrap keeps 1000元 and 30000.00 whole and breaks after – when it must."""
    assert "市级医院\n1000元，省级\n医院1500元" == wrap("市级医院1000元，省级医院1500元", 12)
    assert "80000.00–\n150000.00 at" == wrap("80000.00–150000.00 at", 12)
    assert "special_po\nlicy" == wrap("special_policy", 10)  # longer than a line: split
