"""Policies as validated, dated data: the model, the lookup rule and the strict loader."""

from zjj_medical.policy.dated import NOT_IN_FORCE, value_in_force
from zjj_medical.policy.loader import BUILTIN_POLICIES, load_policy, parse_policy
from zjj_medical.policy.model import Param, Policy, PolicyLayer

__all__ = [
    "BUILTIN_POLICIES",
    "NOT_IN_FORCE",
    "Param",
    "Policy",
    "PolicyLayer",
    "load_policy",
    "parse_policy",
    "value_in_force",
]
