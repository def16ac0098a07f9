"""The batch engine's entry point."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from zjj_medical.batch.output import Money
from zjj_medical.batch.scalar import simulate_scalar
from zjj_medical.policy.model import Policy

__all__ = ["simulate"]


def simulate(
    claims: pd.DataFrame,
    people: pd.DataFrame,
    *,
    policy: Policy | None = None,
    money: Money = "yuan",
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Settle a table of claims for a table of people (see the package docstring)."""
    return simulate_scalar(claims, people, policy=policy, money=money, progress=progress)
