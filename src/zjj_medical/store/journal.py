"""The store's journal: append-only postings, each hash-chained to the one before.

Every write of the ledger store adds postings to one journal and nothing is deleted or
rewritten. Three kinds:

- ``settle`` — a claim settled: its stored settlement as first returned;
- ``reverse`` — a claim reversed (冲正): what each fund refunds;
- ``adjust`` — a later claim of the person-year re-settled by that reversal: its change
  per fund and its new stored settlement.

A posting's ``content`` is compact JSON text naming its place ``seq`` in the journal (1,
2, … per store), its kind, person-year and claim; its ``hash`` is SHA-256 over the
previous posting's hash followed by that text (:data:`GENESIS` before the first one).
Changing, removing or reordering a posting breaks every hash after it.

>>> first = posting_hash(GENESIS, '{"seq":1}')
>>> first == posting_hash(GENESIS, '{"seq":1}'), first == posting_hash(GENESIS, '{"seq":2}')
(True, False)
>>> first[:7]
'sha256:'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from zjj_medical.messages import render

__all__ = [
    "GENESIS",
    "KINDS",
    "Posting",
    "Problem",
    "chain_problems",
    "dump",
    "posting_content",
    "posting_hash",
]

#: The hash a chain starts from (the "previous hash" of posting 1).
GENESIS = "sha256:" + "0" * 64
#: The kinds of posting.
KINDS = ("settle", "reverse", "adjust")


def dump(obj: Any) -> str:
    """Compact JSON, keys in the order given (payments are listed in policy order)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def posting_hash(previous: str, content: str) -> str:
    """SHA-256 over the previous posting's hash and this posting's content, as ``sha256:…``."""
    return "sha256:" + hashlib.sha256((previous + content).encode("utf-8")).hexdigest()


def posting_content(
    seq: int, kind: str, person_id: str, year: int, claim_id: str, body: Mapping[str, Any]
) -> str:
    """The canonical text of a posting: its identity first, then ``body``.

    >>> posting_content(3, "reverse", "P1", 2019, "C1", {"refund": {"basic_insurance": "9.00"}})
    '{"seq":3,"kind":"reverse","person_id":"P1","year":2019,"claim_id":"C1","refund":{"basic_insurance":"9.00"}}'
    """
    head = {"seq": seq, "kind": kind, "person_id": person_id, "year": year, "claim_id": claim_id}
    return dump({**head, **body})


@attrs.frozen
class Posting:
    """One posting of the journal, as stored.

    Attributes:
        seq: its place in the store's journal (1, 2, …, no gaps).
        kind: ``settle``, ``reverse`` or ``adjust``.
        person_id, year, claim_id: whose claim it posts (kept beside the content for lookups).
        content: the canonical JSON text that is hashed.
        hash: ``sha256:`` over the previous posting's hash and ``content``.
    """

    seq: int
    kind: str
    person_id: str
    year: int
    claim_id: str
    content: str
    hash: str

    def data(self) -> dict[str, Any]:
        """The content read as JSON (``ValueError`` when it is not)."""
        value = json.loads(self.content)
        if not isinstance(value, dict):
            raise ValueError("a posting's content is a JSON object")
        return value


@attrs.frozen
class Problem:
    """One thing ``verify`` found wrong: a code, its params, and the posting (``None``: none)."""

    code: str
    params: Mapping[str, Any]
    seq: int | None = None

    @property
    def message(self) -> str:
        """The problem in words."""
        return render(self.code, dict(self.params))

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"code": self.code, "seq": self.seq, "message": self.message}


def chain_problems(postings: Iterable[Posting], head: tuple[int, str]) -> list[Problem]:
    """Check every hash of the chain, the order of ``seq`` and the recorded chain head.

    Also checks that the columns kept beside the content say what the content says.
    """
    out: list[Problem] = []
    previous, expected_seq = GENESIS, 1
    for p in postings:
        if p.seq != expected_seq:
            out.append(
                Problem(code="store.verify.seq", params={"seq": p.seq, "expected": expected_seq},
                        seq=p.seq)
            )  # fmt: skip
        expected_seq = p.seq + 1
        computed = posting_hash(previous, p.content)
        if computed != p.hash:
            out.append(
                Problem(code="store.verify.hash", params={"seq": p.seq, "kind": p.kind,
                        "claim_id": p.claim_id, "stored": p.hash, "computed": computed},
                        seq=p.seq)
            )  # fmt: skip
        previous = p.hash
        try:
            data = p.data()
            said = (data["seq"], data["kind"], data["person_id"], data["year"], data["claim_id"])
        except (ValueError, KeyError) as exc:
            out.append(
                Problem(code="store.verify.content", params={"seq": p.seq, "detail": str(exc)},
                        seq=p.seq)
            )  # fmt: skip
            continue
        if said != (p.seq, p.kind, p.person_id, p.year, p.claim_id):
            out.append(
                Problem(code="store.verify.columns", params={"seq": p.seq}, seq=p.seq)
            )  # fmt: skip
    if head != (expected_seq - 1, previous):
        out.append(
            Problem(code="store.verify.head", params={"head_seq": head[0], "head_hash": head[1],
                    "last_seq": expected_seq - 1, "last_hash": previous})
        )  # fmt: skip
    return out
