"""Posting order: the store posts claims in the order they arrive, and says when that is
not date order.

A person-year's claims are settled in their order of posting (commit order), each on the
ledger the claims posted before it left. A claim dated before the latest claim already
posted for its person-year is **not refused**: it is posted after it, and its stored
settlement carries a ``posting_note`` saying so. Reversed claims no longer count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from zjj_medical.engine.claims import Claim
from zjj_medical.store.records import StoredSettlement

__all__ = ["Latest", "after_posting", "latest_of", "posting_note"]

#: The latest claim posted for a person-year: its date and id (``None``: none yet).
Latest = tuple[dt.date, str] | None


def posting_note(claim: Claim, person_id: str, latest: Latest) -> str:
    """The note of a claim dated before the latest claim already posted for its person-year.

    The store posts claims in the order they arrive (commit order), not in date order: such
    a claim is settled after the others, on the ledger as it stands, and says so.

    >>> from zjj_medical import Facility
    >>> c = Claim("C1", "outpatient", "2019-03-01", Facility(level="township", county="cili"),
    ...           total="100", in_scope="100")
    >>> posting_note(c, "P1", (dt.date(2019, 5, 2), "C7"))
    'posting order: dated 2019-03-01, before claim C7 (2019-05-02) already posted for P1 2019; settled after it, on the ledger as it stands'
    >>> posting_note(c, "P1", None), posting_note(c, "P1", (dt.date(2019, 3, 1), "C0"))
    ('', '')
    """
    if latest is None or claim.date >= latest[0]:
        return ""
    return (
        f"posting order: dated {claim.date.isoformat()}, before claim {latest[1]} "
        f"({latest[0].isoformat()}) already posted for {person_id} {claim.date.year}; "
        "settled after it, on the ledger as it stands"
    )


def after_posting(latest: Latest, claim: Claim) -> Latest:
    """The latest claim once ``claim`` is posted (on the same date, the one posted last)."""
    return (claim.date, claim.id) if latest is None or claim.date >= latest[0] else latest


def latest_of(records: Iterable[StoredSettlement]) -> Latest:
    """The latest claim (date, id) of records in their order of posting."""
    latest: Latest = None
    for r in records:
        if latest is None or r.date >= latest[0]:
            latest = (r.date, r.claim_id)
    return latest
