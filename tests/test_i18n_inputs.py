"""Chinese input: names where ids are accepted, 是/否 where booleans are; errors that list
the accepted ids with their Chinese names; a simulation with nothing settled exits 1."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from zjj_medical import examples
from zjj_medical.batch import simulate
from zjj_medical.cli import cli
from zjj_medical.contract.rows import read_bool
from zjj_medical.errors import InvalidClaim
from zjj_medical.policy.loader import load_policy

EXAMPLE = examples.path("sangzhi_poor_household.json")


def _doc(**person: Any) -> dict[str, Any]:
    """One county-hospital admission in Sangzhi: total 20,000, in scope 18,000."""
    return {
        "person": {"id": "SZ-1", "poor": True, "county": "桑植县", "categories": [], **person},
        "claims": [
            {"id": "A1", "kind": "住院", "date": "2019-11-03",
             "facility": {"id": None, "level": "县级医院", "county": "桑植县"},
             "total": "20000.00", "in_scope": "18000.00", "accident": "否"},
        ],
        "ledger": None,
    }  # fmt: skip


def _settle(doc: dict[str, Any], *lang: str) -> Any:
    runner = CliRunner()
    return runner.invoke(cli, [*lang, "settle", "--no-trace", "-"], input=json.dumps(doc))


def test_shi_is_a_registered_poor_person() -> None:
    """poor: 是 settles as poor: (18,000 − 0) × 0.85 = 15,300 basic insurance; the poor's
    target 0.85 × 20,000 = 17,000 leaves 17,000 − 15,300 = 1,700 to the fiscal backstop."""
    result = _settle(_doc(poor="是"))
    assert 0 == result.exit_code, result.output
    payments = json.loads(result.output)["settlements"][0]["payments"]
    assert ("15300.00", "1700.00") == (payments["basic_insurance"], payments["fiscal_backstop"])


def test_fou_is_not_poor() -> None:
    """poor: 否 has no poverty layers: no fiscal backstop (0.00)."""
    result = _settle(_doc(poor="否"))
    assert 0 == result.exit_code, result.output
    payments = json.loads(result.output)["settlements"][0]["payments"]
    assert "0.00" == payments["fiscal_backstop"]


def test_another_word_is_still_refused_in_chinese() -> None:
    result = _settle(_doc(poor="可能"), "--lang", "zh")
    assert 1 == result.exit_code
    error = json.loads(result.stderr)["error"]
    assert "person.poor.bool" == error["code"]
    assert "不是 是/否（true/false）" in error["message"]


def test_an_unknown_county_lists_ids_with_their_chinese_names() -> None:
    """张家界 (the city) is no county of the policy: the error shows every id with its name."""
    result = _settle(_doc(county="张家界"), "--lang", "zh")
    assert 1 == result.exit_code
    error = json.loads(result.stderr)["error"]
    assert "claim.person.county.unknown" == error["code"]
    assert "person.county" == error["field"]
    assert ["yongding", "wulingyuan", "cili", "sangzhi"] == error["params"]["accepted"]
    assert (
        "理赔 A1：person.county：未知区县 '张家界'（可接受：yongding（永定区）、wulingyuan（武陵源区）、"
        "cili（慈利县）、sangzhi（桑植县））" == error["message"]
    )


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("kind", "住院治疗", "claim.kind.unknown"),
        ("level", "县医院", "claim.facility.level.unknown"),
    ],
)
def test_unknown_kind_and_level_list_names(field: str, value: str, code: str) -> None:
    doc = _doc()
    if field == "kind":
        doc["claims"][0]["kind"] = value
    else:
        doc["claims"][0]["facility"]["level"] = value
    result = _settle(doc, "--lang", "zh")
    error = json.loads(result.stderr)["error"]
    assert code == error["code"]
    assert "（" in error["message"]
    names = error["params"]["accepted_names"]
    assert len(names) == len(error["params"]["accepted"])
    assert all(
        f"{i}（{n}）" in error["message"]
        for i, n in zip(error["params"]["accepted"], names, strict=True)
    )


def test_read_bool_accepts_shi_and_fou() -> None:
    assert (True, False, True, False) == (
        read_bool("是"), read_bool("否"), read_bool(" 是 "), read_bool("false"),
    )  # fmt: skip
    with pytest.raises(ValueError, match="not true or false"):
        read_bool("对")


def test_table_input_reads_shi_and_names() -> None:
    """A people table with poor 是 and a county by name; a claims table with the kind and
    level by name: C1 is the admission worked above (15,300 + 1,700)."""
    people = pd.DataFrame({"person_id": ["P1"], "poor": ["是"], "county": ["桑植县"]})
    claims = pd.DataFrame({
        "claim_id": ["C1"], "person_id": ["P1"], "kind": ["住院"], "date": ["2019-11-03"],
        "facility_level": ["县级医院"], "facility_county": ["桑植县"],
        "total": ["20000.00"], "in_scope": ["18000.00"], "accident": ["否"],
    })  # fmt: skip
    result = simulate(claims, people, policy=load_policy("zhangjiajie"))
    row = result.iloc[0]
    assert "" == (row.get("error") or "")
    assert (15300, 1700) == (int(row["basic_insurance"]), int(row["fiscal_backstop"]))


def test_a_bool_attribute_takes_shi() -> None:
    """A boolean attribute the policy declares takes 是/否 as true/false; other words are
    refused."""
    from zjj_medical.engine.normalize import _attributes
    from zjj_medical.policy.model import Attribute

    declared = {"referral": Attribute("referral", "转诊", "bool")}
    who = ("claim.", {"claim_id": "C"})
    assert {"referral": True} == _attributes({"referral": "是"}, declared, who, "C", "")
    assert {"referral": False} == _attributes({"referral": "否"}, declared, who, "C", "")
    with pytest.raises(InvalidClaim) as info:
        _attributes({"referral": "对"}, declared, who, "C", "")
    assert "claim.attribute.bool" == info.value.code


def _write_tables(tmp_path: Path, poor: str) -> tuple[Path, Path]:
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "claim_id,person_id,kind,date,facility_level,facility_county,total,in_scope\n"
        "C1,P1,inpatient,2019-11-03,county,sangzhi,20000.00,18000.00\n"
        "C2,P1,inpatient,2019-12-03,county,sangzhi,1000.00,1000.00\n",
        encoding="utf-8",
    )
    people = tmp_path / "people.csv"
    people.write_text(f"person_id,poor,county\nP1,{poor},sangzhi\n", encoding="utf-8")
    return claims, people


def test_simulate_with_every_row_refused_exits_1(tmp_path: Path) -> None:
    """poor: 可能 refuses the person, so both claim rows: nothing settled, exit 1."""
    claims, people = _write_tables(tmp_path, "可能")
    result = CliRunner().invoke(cli, ["simulate", str(claims), "--people", str(people)])
    assert 1 == result.exit_code, result.output
    assert "2 of 2 rows were not settled" in result.output


def test_simulate_with_shi_settles_and_exits_0(tmp_path: Path) -> None:
    claims, people = _write_tables(tmp_path, "是")
    result = CliRunner().invoke(cli, ["simulate", str(claims), "--people", str(people)])
    assert 0 == result.exit_code, result.output
    # the summary counts P1 (poor: 是) as registered poor: 1 of 1 person
    assert re.search(r"Registered poor 建档立卡贫困人口\s+1\b", result.output), result.output
    assert "not settled" not in result.output.split("Settled")[-1].split("\n")[0]
