"""Behaviour checks of what both evaluators derive from a policy once
(engine/layers/_compiled.py), added while mutation-testing it (tests/MUTATION.md lists the
survivors and their verdicts).

Worked from the module's documented rules (a policy's compiled form is built once and kept
with the policy; a layer's numbers are resolved once per policy epoch and facts, then kept),
from the policy text (the poor's critical-illness cap of 300000 yuan, 原30万元, lifted to no
limit, 上不封顶, from 2019-10-01) and from docs/how-to/read-the-trace.md (a trace entry's
clauses are joined by " / ").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zjj_medical import Claim, Facility, Person, settle
from zjj_medical.engine.layers._compiled import compiled
from zjj_medical.policy.loader import load_policy


def test_a_policy_is_compiled_once_and_kept_with_it() -> None:
    policy = load_policy("zhangjiajie")
    assert compiled(policy) is compiled(policy)


def test_a_layers_numbers_are_resolved_once_per_epoch_and_facts() -> None:
    comp = compiled(load_policy("zhangjiajie"))
    j = comp.ids.index("critical_illness")
    on = dt.date(2019, 11, 3)
    first = comp.numbers(j, on, {"poor": True})
    assert comp.numbers(j, on, {"poor": True}) is first
    assert comp.numbers(j, dt.date(2019, 12, 31), {"poor": True}) is first  # same epoch


def test_numbers_asked_without_an_epoch_follow_the_claims_date() -> None:
    # the table evaluator asks without an epoch: the day before 2019-10-01 the poor's
    # critical-illness cap is 300000.00 (原30万元); from 2019-10-01 there is none (上不封顶)
    comp = compiled(load_policy("zhangjiajie"))
    j = comp.ids.index("critical_illness")
    before = comp.numbers(j, dt.date(2019, 9, 30), {"poor": True})
    after = comp.numbers(j, dt.date(2019, 10, 1), {"poor": True})
    assert [c.amount for c in before.resolved.caps] == [Decimal("300000.00")]
    assert [c.amount for c in after.resolved.caps] == []
    assert before.row is not None
    assert after.row is not None
    assert before.row.caps[0] == 30_000_000  # fen
    assert after.row.caps[0] > before.row.caps[0]


def test_a_trace_entry_quotes_its_clauses_joined_by_a_slash() -> None:
    # the how-to's example: a poor person's county inpatient claim; basic insurance applies
    # its own clause, its parameters' and the two poor modifiers', and no cap binds
    person = Person("SZ-0001", poor=True, county="sangzhi")
    county = Facility(level="county", county="sangzhi")
    s = settle(Claim("A1", "inpatient", "2019-11-03", county, "20000.00", "18000.00"), person)
    assert s.trace[0].clause == " / ".join(
        [
            "(1) 基本医疗报销政策",
            "乡镇(社区)卫生院起付线200元；县级医院500元；市级医院1000元；省级医院不低于1500元",
            "贫困人口免起付线",
            "在统筹区定点医院发生的政策范围内费用，由医保基金按比例支付：乡镇卫生院100%，县级医院75%，市级医院65%",
            "贫困人口……报销比例相应提高10%",
            "年度最高可报销费用15万元",
        ]
    )
