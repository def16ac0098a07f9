"""The SQL a ledger store on a relational database shares: its tables' reads and writes.

:class:`SQLTables` holds every read and write of the ledger tables (``ledgers``,
``settlements``, ``reversals``, ``adjustments``, ``adjustment_layers``, ``journal``,
``journal_head``) in SQL that SQLite and PostgreSQL both run; a backend supplies the
connection (:meth:`SQLTables._exec`, with ``?`` placeholders), its transactions and the
insert of a settlement (each driver tells a duplicate claim id its own way). The journal's
append takes the chain head row it updates, so on a server database appends of different
person-years wait for each other from a transaction's first posting to its commit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from zjj_medical.engine.ledger import Ledger
from zjj_medical.errors import StoreError
from zjj_medical.money import ZERO, format_money
from zjj_medical.store.base import PersonYear, check_person_year
from zjj_medical.store.journal import GENESIS, Posting, dump, posting_content, posting_hash
from zjj_medical.store.records import (
    Adjustment,
    Reversal,
    StoredSettlement,
    _signed,
    record_from_dict,
)

__all__ = ["COLUMNS", "PLACEHOLDERS", "POSTING_COLUMNS", "SQLTables", "head_problem"]

#: The columns of ``settlements``, in the order :meth:`SQLTables._values` gives them.
COLUMNS = (
    "claim_id, person_id, year, seq, date, facility, settlement, ledger, claim, person, "
    "content_hash, policy_id, policy_version, settled_at, posting_note"
)
PLACEHOLDERS = ", ".join("?" for _ in COLUMNS.split(","))
#: The columns of ``journal``.
POSTING_COLUMNS = "seq, kind, person_id, year, claim_id, content, hash"


def _where(*conditions: tuple[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """`` WHERE a = ? AND …`` of the conditions whose value is not ``None``, and the values."""
    given = [(column, value) for column, value in conditions if value is not None]
    if not given:
        return "", ()
    return " WHERE " + " AND ".join(f"{c} = ?" for c, _ in given), tuple(v for _, v in given)


def head_problem(execute: Callable[[str], Any]) -> str:
    """What is wrong with the journal's last posting and the recorded head ("": nothing).

    ``execute`` runs a statement and returns its cursor (a connection's ``execute``).
    """
    row = execute("SELECT seq, hash FROM journal_head WHERE one = 1").fetchone()
    head = (0, "") if row is None else (int(row[0]), str(row[1]))
    last = execute("SELECT seq, content, hash FROM journal ORDER BY seq DESC LIMIT 2").fetchall()
    last_seq, last_hash = (int(last[0][0]), str(last[0][2])) if last else (0, GENESIS)
    if head != (last_seq, last_hash):
        return (
            f"the journal's last posting is {last_seq} ({last_hash}) but its head is "
            f"recorded as {head[0]} ({head[1]})"
        )
    if last:
        previous = str(last[1][2]) if len(last) > 1 else GENESIS
        if posting_hash(previous, str(last[0][1])) != last_hash:
            return f"posting {last_seq}: its hash does not match its content"
    return ""


class SQLTables:
    """The reads and writes of a ledger store's tables, in SQL shared by its backends.

    A backend sets :attr:`path` (how errors name the store), keeps :attr:`_open_year`
    (the person-year of the open write transaction) and implements :meth:`_exec` and
    :meth:`_insert_settlement`.
    """

    path: str
    _open_year: PersonYear | None
    _in_write: bool
    _in_read: bool
    #: The statement that opens a write transaction.
    _BEGIN_WRITE = "BEGIN"
    #: The column ``adjustment_layers`` is read back in (the order the layers were written).
    _LAYER_ORDER = "rowid"

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement (``?`` placeholders); its cursor. Database errors: ``StoreError``."""
        raise NotImplementedError

    def _insert_settlement(self, record: StoredSettlement) -> None:
        """Insert a settlements row; ``DuplicateClaim`` when its claim id is stored."""
        raise NotImplementedError

    def _rollback(self) -> None:
        """Roll the open transaction back, whatever the connection says."""
        raise NotImplementedError

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A write transaction (:attr:`_BEGIN_WRITE`): committed at the end of the block,
        rolled back when the block or the commit fails; not inside another transaction."""
        if self._in_write or self._in_read:
            raise StoreError(code="store.transaction.open")
        self._exec(self._BEGIN_WRITE)
        self._in_write = True
        try:
            yield
        except BaseException:
            self._in_write = False
            self._rollback()
            raise
        try:
            self._exec("COMMIT")
        except BaseException:
            self._rollback()
            raise
        finally:
            self._in_write = False

    # -- rows ---------------------------------------------------------------------------------
    def _record(self, row: Sequence[Any]) -> StoredSettlement:
        claim_id = row[0]
        try:
            record = record_from_dict(
                {
                    "settlement": json.loads(row[6]),
                    "ledger": json.loads(row[7]),
                    "claim": json.loads(row[8]),
                    "person": json.loads(row[9]),
                    "content_hash": row[10],
                    "policy_id": row[11],
                    "policy_version": row[12],
                    "facility": row[5],
                    "seq": row[3],
                    "settled_at": row[13],
                    "posting_note": row[14],
                }
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise self._damaged(claim_id, exc) from None
        keys = (row[0], row[1], row[2])  # the row's key columns must name its own record
        if keys != (record.claim_id, record.person_id, record.year):
            said = f"{record.claim_id} of {record.person_id} {record.year}"
            detail = f"its row is keyed {row[0]} of {row[1]} {row[2]}, its record is {said}"
            raise self._damaged(claim_id, ValueError(detail))
        return record

    def _damaged(self, claim_id: str, exc: Exception) -> StoreError:
        """The error of a stored settlement that cannot be read back."""
        return StoreError(
            code="store.settlement.damaged",
            params={"db": self.path, "claim_id": claim_id, "detail": str(exc)},
            claim_id=claim_id,
        )

    # -- reads --------------------------------------------------------------------------------
    def ledger(self, person_id: str, year: int) -> Ledger | None:
        """The person-year's ledger, ``None`` when nothing is settled."""
        row = self._exec(
            "SELECT ledger FROM ledgers WHERE person_id = ? AND year = ?", (person_id, year)
        ).fetchone()
        if row is None:
            return None
        try:
            return Ledger.from_dict(json.loads(row[0]))
        except ValueError as exc:
            raise StoreError(
                code="store.ledger.damaged",
                params={"db": self.path, "person_id": person_id, "year": year, "detail": str(exc)},
            ) from None

    def settlements(self, person_id: str, year: int) -> list[StoredSettlement]:
        """The person-year's settlements in the order they were settled."""
        rows = self._exec(
            f"SELECT {COLUMNS} FROM settlements WHERE person_id = ? AND year = ? ORDER BY seq",
            (person_id, year),
        ).fetchall()
        return [self._record(r) for r in rows]

    def settlement(self, claim_id: str) -> StoredSettlement | None:
        """The stored settlement of a claim id, ``None`` when there is none."""
        row = self._exec(
            f"SELECT {COLUMNS} FROM settlements WHERE claim_id = ?", (claim_id,)
        ).fetchone()
        return None if row is None else self._record(row)

    def years(self, person_id: str) -> list[int]:
        """The years the person has settlements in, ascending."""
        rows = self._exec(
            "SELECT DISTINCT year FROM settlements WHERE person_id = ? ORDER BY year", (person_id,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def find(
        self, *, date: dt.date | None = None, facility: str | None = None
    ) -> list[StoredSettlement]:
        """Settlements by claim date and facility key (``None``: any)."""
        where, params = _where(("date", None if date is None else date.isoformat()),
                               ("facility", facility))  # fmt: skip
        rows = self._exec(
            f"SELECT {COLUMNS} FROM settlements{where} ORDER BY date, person_id, year, seq",
            params,
        ).fetchall()
        return [self._record(r) for r in rows]

    def reversals(self, claim_id: str | None = None) -> list[Reversal]:
        """Reversals (all, or of one claim id), oldest first."""
        where, params = _where(("claim_id", claim_id))
        rows = self._exec(
            f"SELECT id, record, reversed_at FROM reversals{where} ORDER BY id", params
        ).fetchall()
        out = []
        for rid, record, at in rows:
            adjustments = []
            for position, cid, old_pp, new_pp in self._exec(
                "SELECT position, claim_id, old_patient_pay, new_patient_pay FROM adjustments "
                "WHERE reversal_id = ? ORDER BY position",
                (rid,),
            ).fetchall():
                layers = self._exec(
                    "SELECT layer, old, new FROM adjustment_layers "
                    f"WHERE reversal_id = ? AND position = ? ORDER BY {self._LAYER_ORDER}",
                    (rid, position),
                ).fetchall()
                adjustments.append(
                    Adjustment(
                        cid,
                        {k: Decimal(o) for k, o, _ in layers},
                        {k: Decimal(n) for k, _, n in layers},
                        Decimal(old_pp),
                        Decimal(new_pp),
                    )
                )
            out.append(Reversal(rid, record_from_dict(json.loads(record)), tuple(adjustments), at))
        return out

    def latest(self, person_id: str, year: int) -> tuple[dt.date, str] | None:
        """The latest claim date among the person-year's settlements and its claim id."""
        row = self._exec(
            "SELECT date, claim_id FROM settlements WHERE person_id = ? AND year = ? "
            "ORDER BY date DESC, seq DESC LIMIT 1",
            (person_id, year),
        ).fetchone()
        return None if row is None else (dt.date.fromisoformat(row[0]), str(row[1]))

    def original(self, claim_id: str) -> StoredSettlement | None:
        """The claim's settlement as it was returned when it was settled (its latest
        ``settle`` posting), ``None`` when the journal has none."""
        row = self._exec(
            "SELECT content FROM journal WHERE claim_id = ? AND kind = 'settle' "
            "ORDER BY seq DESC LIMIT 1",
            (claim_id,),
        ).fetchone()
        if row is None:
            return None
        try:
            return record_from_dict(json.loads(row[0])["record"])
        except (ValueError, TypeError, KeyError) as exc:
            raise self._damaged(claim_id, exc) from None

    def chain_head(self) -> tuple[int, str]:
        """The last posting's seq and hash as recorded in the journal's head row."""
        row = self._exec("SELECT seq, hash FROM journal_head WHERE one = 1").fetchone()
        return (0, "") if row is None else (int(row[0]), str(row[1]))

    def _lock_head(self) -> tuple[int, str]:
        """The chain head, locked until the transaction ends (SQLite's write lock already is)."""
        return self._head_to_append(
            self._exec("SELECT seq, hash FROM journal_head WHERE one = 1").fetchone()
        )

    def _head_to_append(self, row: Any) -> tuple[int, str]:
        """The head row's seq and hash, to chain a new posting to; a store whose head row is
        gone (a store opened without its check) is refused, not appended to from nothing."""
        if row is None:
            raise StoreError(
                code="store.damaged", field="db",
                params={"db": self.path, "detail": "the journal's head row is missing"},
            )  # fmt: skip
        return int(row[0]), str(row[1])

    def postings(self) -> Iterator[Posting]:
        """Every posting of the journal, in order."""
        cur = self._exec(f"SELECT {POSTING_COLUMNS} FROM journal ORDER BY seq")
        for seq, kind, person_id, year, claim_id, content, digest in cur:
            yield Posting(int(seq), str(kind), str(person_id), int(year), str(claim_id),
                          str(content), str(digest))  # fmt: skip

    def next_seq(self, person_id: str, year: int) -> int:
        """One more than the highest place used in the person-year (1 for the first)."""
        row = self._exec(
            "SELECT COALESCE(MAX(seq), 0) FROM settlements WHERE person_id = ? AND year = ?",
            (person_id, year),
        ).fetchone()
        return int(row[0]) + 1

    # -- writes -------------------------------------------------------------------------------
    def _values(self, r: StoredSettlement) -> tuple[Any, ...]:
        return (
            r.claim_id, r.person_id, r.year, r.seq, r.date.isoformat(), r.facility,
            dump(r.settlement.to_dict()), dump(r.settlement.ledger.to_dict()),
            dump(dict(r.claim)), dump(dict(r.person)), r.content_hash,
            r.policy_id, r.policy_version, r.settled_at, r.posting_note,
        )  # fmt: skip

    def add_settlement(self, record: StoredSettlement) -> None:
        """Post a new settlement and make its ledger the person-year's ledger."""
        check_person_year("add_settlement", self._open_year, record.person_id, record.year)
        self._insert_settlement(record)
        self._put_ledger(record.settlement.ledger)
        body = {"record": record.to_dict()}
        self._append("settle", record.person_id, record.year, record.claim_id, body)

    def add_reversal(
        self, reversal: Reversal, resettled: list[StoredSettlement], ledger: Ledger
    ) -> int:
        """Append the reversing and adjusting postings; the current tables follow; returns its id."""
        r = reversal.reversed
        for record in (r, *resettled):
            check_person_year("add_reversal", self._open_year, record.person_id, record.year)
        check_person_year("add_reversal", self._open_year, ledger.person_id, ledger.year)
        if len(resettled) != len(reversal.adjustments):
            raise StoreError(
                code="store.reversal.adjustments",
                params={"claim_id": r.claim_id, "resettled": len(resettled),
                        "adjustments": len(reversal.adjustments)},
            )  # fmt: skip
        for record in resettled:
            self._replace_settlement(record)
        self._remove_settlement(r.claim_id)
        self._put_ledger(ledger)
        rid = self._insert_reversal(reversal)
        refund = {k: _signed(-v) for k, v in r.settlement.payments.items()}
        body = {"reversal_id": rid, "reversed_at": reversal.reversed_at, "refund": refund,
                "ledger": ledger.to_dict()}  # fmt: skip
        self._append("reverse", r.person_id, r.year, r.claim_id, body)
        for adj, record in zip(reversal.adjustments, resettled, strict=True):
            body = {"reversal_id": rid, "adjustment": adj.to_dict(), "record": record.to_dict()}
            self._append("adjust", record.person_id, record.year, record.claim_id, body)
        return rid

    def _append(
        self, kind: str, person_id: str, year: int, claim_id: str, body: dict[str, Any]
    ) -> Posting:
        """Add a posting at the end of the journal, chained to the last one."""
        last, previous = self._lock_head()
        seq = last + 1
        content = posting_content(seq, kind, person_id, year, claim_id, body)
        digest = posting_hash(previous, content)
        self._exec(
            f"INSERT INTO journal ({POSTING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (seq, kind, person_id, year, claim_id, content, digest),
        )
        self._exec("UPDATE journal_head SET seq = ?, hash = ? WHERE one = 1", (seq, digest))
        return Posting(seq, kind, person_id, year, claim_id, content, digest)

    def _replace_settlement(self, record: StoredSettlement) -> None:
        cur = self._exec("DELETE FROM settlements WHERE claim_id = ?", (record.claim_id,))
        if cur.rowcount != 1:
            raise StoreError(
                code="store.claim.not_stored",
                params={"what": "add_reversal", "claim_id": record.claim_id},
            )
        self._insert_settlement(record)

    def _remove_settlement(self, claim_id: str) -> None:
        cur = self._exec("DELETE FROM settlements WHERE claim_id = ?", (claim_id,))
        if cur.rowcount != 1:
            raise StoreError(
                code="store.claim.not_stored",
                params={"what": "add_reversal", "claim_id": claim_id},
            )

    def _put_ledger(self, ledger: Ledger) -> None:
        if not ledger.claim_ids:
            self._exec(
                "DELETE FROM ledgers WHERE person_id = ? AND year = ?",
                (ledger.person_id, ledger.year),
            )
            return
        self._exec(
            "INSERT INTO ledgers (person_id, year, ledger) VALUES (?, ?, ?) "
            "ON CONFLICT (person_id, year) DO UPDATE SET ledger = excluded.ledger",
            (ledger.person_id, ledger.year, dump(ledger.to_dict())),
        )

    def _insert_reversal(self, reversal: Reversal) -> int:
        r = reversal.reversed
        rid = int(
            self._exec(
                "INSERT INTO reversals (claim_id, person_id, year, record, reversed_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (r.claim_id, r.person_id, r.year, dump(r.to_dict()), reversal.reversed_at),
            ).fetchone()[0]
        )
        for position, adj in enumerate(reversal.adjustments, start=1):
            self._exec(
                "INSERT INTO adjustments (reversal_id, position, claim_id, old_patient_pay, "
                "new_patient_pay) VALUES (?, ?, ?, ?, ?)",
                (rid, position, adj.claim_id, str(adj.old_patient_pay), str(adj.new_patient_pay)),
            )
            for layer, delta in adj.deltas.items():
                self._exec(
                    "INSERT INTO adjustment_layers (reversal_id, position, layer, old, new, delta) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        rid, position, layer, format_money(adj.old.get(layer, ZERO)),
                        format_money(adj.new.get(layer, ZERO)), _signed(delta),
                    ),
                )  # fmt: skip
        return rid
