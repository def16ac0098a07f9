"""The one lookup rule for dated values.

The value in force on a date is the latest one whose start date is on or before
that date (as openfisca-core's ``_get_at_instant``). Before the first start date
nothing is in force.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["NOT_IN_FORCE", "value_in_force"]

T = TypeVar("T")


class _NotInForce:
    """Marker: no dated value has started yet on the date asked for."""

    _instance: _NotInForce | None = None

    def __new__(cls) -> _NotInForce:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_IN_FORCE"

    def __bool__(self) -> bool:
        return False


NOT_IN_FORCE = _NotInForce()


def value_in_force(values: Sequence[tuple[dt.date, T]], on: dt.date) -> T | _NotInForce:
    """Return the value whose start date is the latest on or before ``on``.

    ``values`` is sorted by start date (the loader guarantees it).

    >>> import datetime as dt
    >>> vals = [(dt.date(2019, 1, 1), 220), (dt.date(2020, 1, 1), 250)]
    >>> value_in_force(vals, dt.date(2019, 12, 31))
    220
    >>> value_in_force(vals, dt.date(2020, 1, 1))
    250
    >>> value_in_force(vals, dt.date(2018, 12, 31))
    NOT_IN_FORCE
    """
    i = bisect.bisect_right([start for start, _ in values], on)
    if i == 0:
        return NOT_IN_FORCE
    return values[i - 1][1]
