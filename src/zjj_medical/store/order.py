"""Posting order: the store posts claims in the order they arrive, and says when that is
not date order.

A person-year's claims are settled in their order of posting (commit order), each on the
ledger the claims posted before it left. A claim dated before the latest claim already
posted for its person-year is **not refused**: it is posted after it, and its stored
settlement carries a ``posting_note`` saying so. Reversed claims no longer count.

The stored note is the English text (the journal does not change with the language); it is
shown in the reader's language with :func:`posting_note_text`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from zjj_medical.engine.claims import Claim
from zjj_medical.i18n import N_, get_language, gettext
from zjj_medical.store.records import StoredSettlement

__all__ = [
    "POSTING_NOTE",
    "Latest",
    "after_posting",
    "latest_of",
    "posting_note",
    "posting_note_text",
]

#: The posting note's template (English, the stored text; translated where it is shown).
POSTING_NOTE = N_(
    "posting order: dated {date}, before claim {before} ({before_date}) already posted for "
    "{person_id} {year}; settled after it, on the ledger as it stands"
)
_FIELD = re.compile(r"\{(\w+)\}")
_NOTE = re.compile(
    "".join(
        f"(?P<{part}>.+?)" if i % 2 else re.escape(part)
        for i, part in enumerate(_FIELD.split(POSTING_NOTE))
    )
    + r"\Z",
    re.DOTALL,
)

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
    return POSTING_NOTE.format(
        date=claim.date.isoformat(), before=latest[1], before_date=latest[0].isoformat(),
        person_id=person_id, year=claim.date.year,
    )  # fmt: skip


def posting_note_text(note: str, lang: str | None = None) -> str:
    """A stored posting note in ``lang`` (default: the current language); a note that is not
    the store's template (older or foreign text) is shown as stored.

    >>> note = ("posting order: dated 2019-03-01, before claim C7 (2019-05-02) already posted"
    ...         " for P1 2019; settled after it, on the ledger as it stands")
    >>> posting_note_text(note, "zh")
    '入账顺序：日期 2019-03-01，早于 P1 2019 年度已入账的理赔 C7（2019-05-02）；排在其后结算，按当时的台账计算'
    >>> posting_note_text(note, "en") == note, posting_note_text("other", "zh")
    (True, 'other')
    """
    found = _NOTE.match(note)
    if not note or found is None:
        return note
    return gettext(POSTING_NOTE, lang or get_language()).format(**found.groupdict())


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
