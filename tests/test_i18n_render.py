"""The settlement sheet, the explanation and policy show in Chinese: words, not snake_case
keys, the arithmetic worked by hand, and tables that fit 80 columns without cutting a number."""

from __future__ import annotations

import datetime as dt
import io
import re

from rich.cells import cell_len
from rich.console import Console

from zjj_medical import examples
from zjj_medical.contract.documents import parse_document, settle_parsed
from zjj_medical.i18n import use_language
from zjj_medical.policy.loader import load_policy
from zjj_medical.render.explain import explain_settlement, note_text
from zjj_medical.render.policy_table import condition_words, policy_tables
from zjj_medical.render.sheet import settlement_sheet

EXAMPLE = examples.path("sangzhi_poor_household.json")


def _settled() -> tuple[object, list[object]]:
    import json

    person, claims, ledger = parse_document(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    return person, settle_parsed(person, claims, ledger, policy=None)


def _text(renderable: object, width: int = 120) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_the_sheet_in_chinese() -> None:
    """Claim A1 (county hospital, poor): (18,000 − 0) × 0.85 = 15,300 basic insurance; the
    target 0.85 × 20,000 = 17,000 less 15,300 leaves 1,700 to the fiscal backstop."""
    person, settlements = _settled()
    with use_language("zh"):
        text = _text(settlement_sheet(settlements, person, load_policy("zhangjiajie")))
    assert "一站式结算单 — 理赔 SZ-0001-A1" in text
    assert "（18000.00 − 起付线 0.00）× 0.85 = 15300.00" in text
    assert "0.85 × 医疗费总额 20000.00 = 17000.00，减去前面各项已支付 15300.00" in text
    assert "支付比例为 0" in text
    for english in ("reimbursed", "patient pays", "deductible", "one-stop", "how", "payer"):
        assert english not in text, english


def test_the_explanation_in_chinese_and_english() -> None:
    _, settlements = _settled()
    with use_language("zh"):
        zh = explain_settlement(settlements[0])  # type: ignore[arg-type]
    with use_language("en"):
        en = explain_settlement(settlements[0])  # type: ignore[arg-type]
    assert zh.startswith("理赔 SZ-0001-A1（住院，2019-11-03）— 医疗费总额 20000.00")
    assert "基数 18000.00, 起付线 0.00, 已承担起付线 0.00, 比例 0.85, 计算结果 15300.00" in zh
    assert "依据：" in zh
    assert "报销合计 17000.00；个人自付 3000.00；实际报销比例 85.00%" in zh
    assert "deductible borne 0.00" in en
    assert not re.search(r"\b[a-z]+_[a-z_]+ \d", zh + en), "a snake_case key shown"


def test_notes_in_chinese() -> None:
    with use_language("zh"):
        assert "基数未超过起付线" == note_text("the base does not exceed the deductible")
        assert (
            "由 3000.00 受限于：年度最高可报销费用15万元；各项支付不超过本次医疗费总额的剩余部分"
            == (
                note_text(
                    "limited from 3000.00 by: 年度最高可报销费用15万元; no layer pays more than "
                    "what is left of the claim's total"
                )
            )
        )
        assert "本年度第 2 次住院（同级医疗机构）：起付线减半" == note_text(
            "claim no. 2 this year (same tier): 起付线减半"
        )


def test_policy_show_in_chinese_fits_80_columns() -> None:
    policy = load_policy("zhangjiajie")
    with use_language("zh"):
        text = _text(policy_tables(policy, dt.date(2019, 10, 1), 80), width=80)
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "适用条件" in text
    layers = {layer.id: layer for layer in policy.layers}
    with use_language("zh"):
        backstop = condition_words(layers["fiscal_backstop"].when, policy)
        pooling = condition_words(layers["outpatient_pooling"].when, policy)
    assert "建档立卡贫困人口，县域内就医" == backstop  # poor: true, in_county: true
    assert "医疗机构级别为村卫生室、乡镇卫生院或社区卫生服务中心" == pooling
    assert "poor=true, in_county=true" == layers["fiscal_backstop"].when.text
    for repr_like in ("['", "']", "=true", "in_county", "frozenset"):
        assert repr_like not in text, repr_like
    # no amount of a clause is cut across two lines
    assert "1000元" in text
    assert "1500元" in text
