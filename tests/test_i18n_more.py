"""Chinese for what a clerk reads beyond the error messages: what each error code means,
the ledger store's words, and the policy's names in tables."""

from __future__ import annotations

import re

import pytest

from zjj_medical.errors import InvalidClaim, UnknownClaim
from zjj_medical.messages.en import MEANINGS, meaning
from zjj_medical.render.error_codes import code_rows

_HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_meaning_has_a_chinese_translation() -> None:
    """Every family's meaning is translated (Chinese words in it), and English stays English."""
    for family, english in MEANINGS.items():
        assert meaning(family, "en") == english
        zh = meaning(family, "zh")
        assert zh != english, family
        assert _HAN.search(zh), family


def test_a_code_takes_the_chinese_meaning_of_its_longest_family() -> None:
    # claim.facility.level.unknown is a family of its own; claim.facility.level.bogus
    # falls back to claim.facility (there is no claim.facility.level family).
    assert meaning("claim.facility.level.unknown", "zh") == "医疗机构级别不是政策声明的级别"
    assert meaning("claim.facility.level.bogus", "zh") == "医疗机构缺失、未知或与理赔不符"
    assert meaning("no.such.family", "zh") == ""


def test_the_chinese_error_table_gives_chinese_meanings() -> None:
    rows = {code: m for code, m, _example in code_rows("zh")}
    assert rows["claim.kind.unknown"] == "理赔类型不是政策声明的类型"
    assert all(_HAN.search(m) for m in rows.values())


def test_the_problem_title_is_in_the_language_asked_for() -> None:
    pytest.importorskip("starlette")
    from zjj_medical.service.problems import problem_body

    exc = UnknownClaim(code="store.claim.unknown", params={"claim_id": "C9"}, claim_id="C9")
    assert problem_body(exc, "zh")["title"] == "台账库无法使用，或没有该理赔"
    assert (
        problem_body(exc, "en")["title"]
        == "the ledger store cannot be used, or holds no such claim"
    )
    kind = InvalidClaim(
        code="claim.kind.unknown", params={"claim_id": "C1", "value": "x", "accepted": []}
    )
    assert problem_body(kind, "zh")["title"] == "理赔类型不是政策声明的类型"
