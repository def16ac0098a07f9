"""zjj_medical: medical reimbursement under Zhangjiajie City's health poverty-alleviation policy.

Settle a claim through every payer layer, exact to the fen, with the annual
ledger carried between claims and an explanation trace.
"""

from zjj_medical.engine.claims import Claim
from zjj_medical.engine.ledger import LayerState, Ledger
from zjj_medical.engine.people import Facility, Person
from zjj_medical.engine.settlement import Settlement, settle, settle_year
from zjj_medical.engine.trace import TraceEntry
from zjj_medical.errors import (
    DuplicateClaim,
    InvalidClaim,
    LedgerMismatch,
    PolicyError,
    PolicyNotInForce,
    ReimbursementError,
    StoreError,
    UnknownClaim,
)
from zjj_medical.policy import Policy, load_policy, parse_policy, value_in_force

__all__ = [
    "Claim",
    "DuplicateClaim",
    "Facility",
    "InvalidClaim",
    "LayerState",
    "Ledger",
    "LedgerMismatch",
    "Person",
    "Policy",
    "PolicyError",
    "PolicyNotInForce",
    "ReimbursementError",
    "Settlement",
    "StoreError",
    "TraceEntry",
    "UnknownClaim",
    "load_policy",
    "parse_policy",
    "settle",
    "settle_year",
    "value_in_force",
]

__version__ = "0.1.0"
