"""Words and tables for people: the explanation of a settlement, the settlement sheet
(一站式结算单) and the policy's parameters in force."""

from zjj_medical.render.explain import explain_settlement, layer_label
from zjj_medical.render.policy_table import policy_tables
from zjj_medical.render.sheet import how_text, settlement_sheet

__all__ = [
    "explain_settlement",
    "how_text",
    "layer_label",
    "policy_tables",
    "settlement_sheet",
]
