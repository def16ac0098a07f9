"""Behaviour checks of the store's journal and its verification, added while mutation-testing
them (tests/MUTATION.md lists the survivors and their verdicts).

The chain is checked on postings built here, each hash computed in the test with hashlib as
the journal's rule says: SHA-256 over the previous posting's hash followed by the posting's
content, ``sha256:`` before the hex digest, 64 zeros before the first posting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from zjj_medical import Claim, Facility, Person, load_policy
from zjj_medical.errors import DuplicateClaim, PolicyError, StoreError, UnknownClaim
from zjj_medical.store import SQLiteStore
from zjj_medical.store.book import LedgerBook, PolicyVersion, facility_key
from zjj_medical.store.journal import (
    GENESIS,
    Posting,
    Problem,
    chain_problems,
    dump,
    posting_content,
    posting_hash,
)
from zjj_medical.store.verify import _Replay, verify

CILI = Facility(level="county", county="cili")
CILI_PERSON = Person("P1", poor=False, county="cili")
MINIMAL = Path(__file__).parent / "fixtures" / "policies" / "minimal.yaml"
COLUMNS = (
    "claim_id, person_id, year, seq, date, facility, settlement, ledger, claim, person, "
    "content_hash, policy_id, policy_version, settled_at, posting_note"
)

ZEROS = "sha256:" + "0" * 64


def _sha(previous: str, content: str) -> str:
    return "sha256:" + hashlib.sha256((previous + content).encode("utf-8")).hexdigest()


def _content(seq: int, kind: str = "settle", claim: str = "C1", **more: Any) -> str:
    head = {"seq": seq, "kind": kind, "person_id": "P1", "year": 2019, "claim_id": claim}
    return json.dumps({**head, **more}, ensure_ascii=False, separators=(",", ":"))


def _chain(*contents: str) -> list[Posting]:
    """Postings of ``contents`` (seq 1, 2, …), each correctly chained to the one before."""
    out, previous = [], ZEROS
    for seq, content in enumerate(contents, 1):
        data = json.loads(content)
        h = _sha(previous, content)
        out.append(Posting(seq, data["kind"], "P1", 2019, data["claim_id"], content, h))
        previous = h
    return out


def test_genesis_is_64_zeros() -> None:
    assert ZEROS == GENESIS


def test_posting_hash_is_sha256_of_the_previous_hash_then_the_content() -> None:
    content = _content(1)
    assert _sha(ZEROS, content) == posting_hash(ZEROS, content)


def test_posting_content_is_compact_json_identity_first_non_ascii_kept() -> None:
    text = posting_content(2, "adjust", "P1", 2019, "C2", {"note": "冲正", "a": 1})
    assert (
        '{"seq":2,"kind":"adjust","person_id":"P1","year":2019,"claim_id":"C2","note":"冲正","a":1}'
    ) == text
    assert '{"b":[1,2],"a":"乙"}' == dump({"b": [1, 2], "a": "乙"})


def test_a_sound_chain_has_no_problem() -> None:
    postings = _chain(_content(1), _content(2, "reverse"), _content(3, claim="C2"))
    assert [] == chain_problems(postings, (3, postings[-1].hash))


def test_an_empty_journal_has_its_head_at_genesis() -> None:
    assert [] == chain_problems([], (0, ZEROS))
    [problem] = chain_problems([], (1, ZEROS))
    assert "store.verify.head" == problem.code


def test_a_changed_content_breaks_its_own_hash_only_once() -> None:
    """Posting 2's content is changed after it was hashed: its hash no longer matches. Posting
    3 was chained to the hash stored for 2, so it still checks: one problem, at seq 2."""
    postings = _chain(_content(1), _content(2), _content(3))
    changed = _content(2, amount="9.00")
    p2 = postings[1]
    postings[1] = Posting(2, p2.kind, "P1", 2019, p2.claim_id, changed, p2.hash)
    [problem] = chain_problems(postings, (3, postings[-1].hash))
    assert "store.verify.hash" == problem.code
    assert 2 == problem.seq
    computed = _sha(postings[0].hash, changed)
    assert {"seq": 2, "kind": "settle", "claim_id": "C1", "stored": p2.hash,
            "computed": computed} == dict(problem.params)  # fmt: skip
    assert (
        f"posting 2 (settle C1): hash {p2.hash} does not match its content and the previous "
        f"hash ({computed})"
    ) == problem.message
    assert {"code": "store.verify.hash", "seq": 2, "message": problem.message} == (
        problem.to_dict()
    )


def test_a_removed_posting_is_out_of_sequence() -> None:
    """Posting 2 of 4 removed: 3 comes where 2 is expected (and its hash, chained to 2's,
    no longer matches); 4 follows 3 and is in sequence again."""
    postings = _chain(_content(1), _content(2), _content(3), _content(4))
    del postings[1]
    problems = chain_problems(postings, (4, postings[-1].hash))
    assert [("store.verify.seq", 3), ("store.verify.hash", 3)] == [
        (p.code, p.seq) for p in problems
    ]
    assert {"seq": 3, "expected": 2} == dict(problems[0].params)
    assert "posting 3: out of sequence (expected 2)" == problems[0].message


def test_a_content_that_is_not_a_posting_is_reported_and_not_compared() -> None:
    for content, detail in (
        ("[1, 2]", "a posting's content is a JSON object"),
        ('{"seq": 1}', "'kind'"),
    ):
        h = _sha(ZEROS, content)
        [problem] = chain_problems([Posting(1, "settle", "P1", 2019, "C1", content, h)], (1, h))
        assert ("store.verify.content", 1) == (problem.code, problem.seq)
        assert {"seq": 1, "detail": detail} == dict(problem.params)


def test_the_postings_after_one_that_is_not_a_posting_are_still_checked() -> None:
    """Posting 1's content is not an object; posting 2 is sound and the head is at 2: the one
    problem is posting 1's (the check goes on to the end of the chain)."""
    bad = "[1]"
    h1 = _sha(ZEROS, bad)
    good = _content(2)
    h2 = _sha(h1, good)
    postings = [Posting(1, "settle", "P1", 2019, "C1", bad, h1),
                Posting(2, "settle", "P1", 2019, "C1", good, h2)]  # fmt: skip
    assert [("store.verify.content", 1)] == [
        (p.code, p.seq) for p in chain_problems(postings, (2, h2))
    ]


def test_columns_that_do_not_say_what_the_content_says_are_reported() -> None:
    content = _content(1)
    h = _sha(ZEROS, content)
    for column in ({"kind": "adjust"}, {"person_id": "P2"}, {"year": 2020}, {"claim_id": "C9"}):
        fields = {"seq": 1, "kind": "settle", "person_id": "P1", "year": 2019,
                  "claim_id": "C1", **column}  # fmt: skip
        posting = Posting(content=content, hash=h, **fields)  # type: ignore[arg-type]
        [problem] = chain_problems([posting], (1, h))
        assert Problem("store.verify.columns", {"seq": 1}, 1) == problem
        assert "posting 1: its columns do not say what its content says" == problem.message


def test_a_head_that_is_not_the_last_posting_is_reported() -> None:
    postings = _chain(_content(1), _content(2))
    for head in ((1, postings[0].hash), (2, postings[0].hash), (1, postings[1].hash)):
        [problem] = chain_problems(postings, head)
        assert "store.verify.head" == problem.code
        assert problem.seq is None
        assert {"head_seq": head[0], "head_hash": head[1], "last_seq": 2,
                "last_hash": postings[1].hash} == dict(problem.params)  # fmt: skip


# -- the replay of verify: each posting re-settled in order (store/verify.py) -------------------
#
# Postings of a real store: C1 and C2 (2019-01-10, 2019-02-10, 40000.00 each at a 慈利县 county
# hospital) settled, then C1 reversed and C2 re-settled (adjusted). The replay is fed postings
# changed here; the hash chain is not its business (chain_problems above).


def _book_postings() -> tuple[list[Posting], dict[str, Any]]:
    with LedgerBook.open(":memory:") as book:
        for i in (1, 2):
            book.settle(
                Claim(f"C{i}", "inpatient", f"2019-0{i}-10", CILI, "40000", "40000"), CILI_PERSON
            )
        book.reverse("C1")
        postings = list(book.store.postings())
        versions = {pv.version: pv for pv in book.policies}
    assert ["settle", "settle", "reverse", "adjust"] == [p.kind for p in postings]
    return postings, versions


def _replayed(versions: dict[str, Any], *postings: Posting) -> _Replay:
    replay = _Replay(versions)
    for p in postings:
        replay.posting(p)
    return replay


def _with(p: Posting, change: Callable[[dict[str, Any]], None], **columns: Any) -> Posting:
    data = p.data()
    change(data)
    return attrs.evolve(p, content=dump(data), **columns)


def test_the_replay_of_a_sound_journal_ends_with_the_current_claims() -> None:
    postings, versions = _book_postings()
    replay = _replayed(versions, *postings)
    assert [] == replay.problems
    assert {("P1", 2019): ["C2"]} == {k: [r.claim_id for r in v] for k, v in replay.current.items()}


def test_the_replay_reports_postings_about_the_wrong_claims() -> None:
    (s1, _, rev, adj), versions = _book_postings()
    cases = [
        ((rev,), "reverse", "reverses a claim that is not current in its person-year"),
        ((s1, s1), "settle", "settles a claim that is already current"),
        ((adj,), "adjust", "adjusts a claim that is not current in its person-year"),
    ]
    for postings, kind, detail in cases:
        [problem] = _replayed(versions, *postings).problems
        seq = postings[-1].seq
        assert "store.verify.claim" == problem.code
        assert {"seq": seq, "kind": kind, "claim_id": postings[-1].claim_id,
                "detail": detail} == dict(problem.params)  # fmt: skip
        assert seq == problem.seq


def test_the_replay_reports_an_unknown_kind() -> None:
    postings, versions = _book_postings()
    [problem] = _replayed(versions, attrs.evolve(postings[0], kind="refund")).problems
    assert Problem("store.verify.kind", {"seq": 1, "kind": "refund"}, 1) == problem
    assert "posting 1: unknown kind 'refund'" == problem.message


def test_the_replay_reports_a_record_of_another_claim_or_person_year() -> None:
    postings, versions = _book_postings()
    for column in ({"claim_id": "C9"}, {"person_id": "P9"}, {"year": 2020}):
        [problem] = _replayed(versions, attrs.evolve(postings[0], **column)).problems
        assert "store.verify.claim" == problem.code
        assert "its record is of another claim or person-year" == problem.params["detail"]


def test_the_replay_reports_a_record_it_cannot_read() -> None:
    postings, versions = _book_postings()
    broken = _with(postings[0], lambda d: d["record"].pop("settlement"))
    [problem] = _replayed(versions, broken).problems
    assert "store.verify.claim" == problem.code
    assert str(problem.params["detail"]).startswith("its record cannot be read: ")


def test_the_replay_reports_a_policy_version_not_given() -> None:
    postings, _ = _book_postings()
    [problem] = _replayed({}, postings[0]).problems
    record = postings[0].data()["record"]
    assert Problem(
        "store.verify.policy",
        {"seq": 1, "claim_id": "C1", "policy_id": "zhangjiajie",
         "version": record["policy_version"]},
        1,
    ) == problem  # fmt: skip


def test_the_replay_names_at_most_three_differences_of_a_posting() -> None:
    """C2's posting with four payments changed: the first three fields are named, in order."""
    postings, versions = _book_postings()

    def change(d: dict[str, Any]) -> None:
        payments = d["record"]["settlement"]["payments"]
        for layer in ("basic_insurance", "critical_illness", "special_poverty_insurance",
                      "medical_assistance"):  # fmt: skip
            payments[layer] = "1.00"

    problems = _replayed(versions, postings[0], _with(postings[1], change)).problems
    assert [
        ("settlement.payments.basic_insurance", "29625.00", "1.00"),
        ("settlement.payments.critical_illness", "6225.00", "1.00"),
        ("settlement.payments.special_poverty_insurance", "0.00", "1.00"),
    ] == [(p.params["field"], p.params["computed"], p.params["stored"]) for p in problems]
    assert {"store.verify.settlement"} == {p.code for p in problems}
    assert {2} == {p.seq for p in problems}
    assert {(2, "settle", "C2")} == {
        (p.params["seq"], p.params["kind"], p.params["claim_id"]) for p in problems
    }


def test_the_replay_checks_the_posting_note_except_on_a_migrated_posting() -> None:
    """C2 follows C1 in date order: its note is empty. A note stored on it is reported,
    unless the posting was migrated from a store that wrote no notes."""
    postings, versions = _book_postings()

    def note(d: dict[str, Any]) -> None:
        d["record"]["posting_note"] = "posted late"

    def migrated(d: dict[str, Any]) -> None:
        note(d)
        d["migrated"] = True

    [problem] = _replayed(versions, postings[0], _with(postings[1], note)).problems
    assert ("posting_note", "", "posted late") == (
        problem.params["field"], problem.params["computed"], problem.params["stored"]
    )  # fmt: skip
    assert [] == _replayed(versions, postings[0], _with(postings[1], migrated)).problems


# -- verify on a store: the summary and the current tables (store/verify.py) --------------------


def _store(tmp_path: Path) -> Path:
    """A store file: C1, C2 settled, C1 reversed (C2 re-settled) — one current claim."""
    path = tmp_path / "ledger.db"
    with LedgerBook.open(path) as book:
        for i in (1, 2):
            book.settle(
                Claim(f"C{i}", "inpatient", f"2019-0{i}-10", CILI, "40000", "40000"), CILI_PERSON
            )
        book.reverse("C1")
    return path


def _sql(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    try:
        for s in statements:
            con.execute(s)
        con.commit()
    finally:
        con.close()


def _verified(path: Path) -> Any:
    with LedgerBook.open(path) as book:
        return verify(book)


def test_verify_counts_what_it_checked_and_says_so(tmp_path: Path) -> None:
    path = _store(tmp_path)
    report = _verified(path)
    last = sqlite3.connect(path).execute("SELECT hash FROM journal WHERE seq = 4").fetchone()[0]
    assert (4, (4, last), 1, 1, ()) == (
        report.postings, report.head, report.person_years, report.claims, report.problems
    )  # fmt: skip
    assert report.ok
    assert (
        f"4 postings, chain head 4 {last}; 1 person-year(s), 1 current claims re-settled from "
        "the journal: ok"
    ) == report.summary()


def test_verify_reports_a_current_settlement_the_journal_does_not_have(tmp_path: Path) -> None:
    """C2's row deleted from the settlements table: the person-year's claims differ."""
    path = _store(tmp_path)
    _sql(path, "DELETE FROM settlements WHERE claim_id = 'C2'")
    report = _verified(path)
    [problem] = report.problems
    assert Problem(
        "store.verify.current",
        {"person_id": "P1", "year": 2019, "what": "settlements",
         "detail": "claims [], the journal's ['C2']"},
    ) == problem  # fmt: skip
    assert not report.ok
    assert report.summary().endswith(": 1 problem(s)")


def test_verify_reports_a_settlement_row_of_a_claim_not_in_the_journal(tmp_path: Path) -> None:
    """C2's row copied as claim C9 of another person, P9: C9 is not current in the journal."""
    path = _store(tmp_path)
    con = sqlite3.connect(path)
    row = list(con.execute(f"SELECT {COLUMNS} FROM settlements WHERE claim_id = 'C2'").fetchone())
    con.close()
    names = COLUMNS.split(", ")
    settlement, ledger, claim, person = (
        json.loads(row[names.index(k)]) for k in ("settlement", "ledger", "claim", "person")
    )
    settlement["claim_id"] = claim["id"] = "C9"
    ledger["person_id"] = person["id"] = "P9"
    ledger["claim_ids"] = ["C9"]
    for key, value in (("claim_id", "C9"), ("person_id", "P9"), ("settlement", settlement),
                       ("ledger", ledger), ("claim", claim), ("person", person)):  # fmt: skip
        row[names.index(key)] = value if isinstance(value, str) else dump(value)
    con = sqlite3.connect(path)
    con.execute(f"INSERT INTO settlements ({COLUMNS}) VALUES ({', '.join('?' * len(row))})", row)
    con.commit()
    con.close()
    [problem] = _verified(path).problems
    assert Problem(
        "store.verify.current",
        {"person_id": "P9", "year": 2019, "what": "settlements",
         "detail": "claim C9 is not current in the journal"},
    ) == problem  # fmt: skip


def test_verify_reports_a_changed_person_year_ledger_and_the_field(tmp_path: Path) -> None:
    """The ledgers table says basic insurance paid 1.00 this year; the journal's C2 (the
    only current claim) left 29625.00."""
    path = _store(tmp_path)
    con = sqlite3.connect(path)
    [(text,)] = con.execute("SELECT ledger FROM ledgers").fetchall()
    con.close()
    ledger = json.loads(text)
    assert "29625.00" == ledger["layers"]["basic_insurance"]["paid"]
    ledger["layers"]["basic_insurance"]["paid"] = "1.00"
    _sql(path, f"UPDATE ledgers SET ledger = '{json.dumps(ledger, ensure_ascii=False)}'")
    [problem] = _verified(path).problems
    assert Problem(
        "store.verify.current",
        {"person_id": "P1", "year": 2019, "what": "ledger",
         "detail": "layers.basic_insurance.paid is 1.00, the journal's 29625.00"},
    ) == problem  # fmt: skip


def test_verify_reports_a_missing_person_year_ledger(tmp_path: Path) -> None:
    path = _store(tmp_path)
    _sql(path, "DELETE FROM ledgers")
    [problem] = _verified(path).problems
    assert ("store.verify.current", "ledger") == (problem.code, problem.params["what"])
    # the first field of the journal's ledger, its person, is missing from the table
    assert "person_id is None, the journal's P1" == problem.params["detail"]


def test_verify_counts_the_current_claims_of_every_person_year(tmp_path: Path) -> None:
    """P1 has two claims in 2019 and one in 2020, P2 one in 2019: three person-years, four
    current claims."""
    path = tmp_path / "ledger.db"
    p2 = Person("P2", poor=False, county="cili")
    with LedgerBook.open(path) as book:
        for cid, day, person in (("C1", "2019-01-10", CILI_PERSON), ("C2", "2019-02-10",
                                 CILI_PERSON), ("C3", "2020-01-10", CILI_PERSON),
                                 ("C4", "2019-03-10", p2)):  # fmt: skip
            book.settle(Claim(cid, "inpatient", day, CILI, "40000", "40000"), person)
    report = _verified(path)
    assert (4, 3, 4, True) == (report.postings, report.person_years, report.claims, report.ok)


def test_verify_accepts_a_person_year_whose_every_claim_is_reversed(tmp_path: Path) -> None:
    """C1 settled and reversed: the person-year has no current claim; nothing is wrong."""
    path = tmp_path / "ledger.db"
    with LedgerBook.open(path) as book:
        book.settle(Claim("C1", "inpatient", "2019-01-10", CILI, "40000", "40000"), CILI_PERSON)
        book.reverse("C1")
    report = _verified(path)
    assert (2, 1, 0, ()) == (report.postings, report.person_years, report.claims,
                             report.problems)  # fmt: skip


def test_the_replay_reports_a_claim_that_cannot_be_settled_again() -> None:
    """C1's stored claim says in-scope 50000.00 of a total of 40000.00: settling it again is
    refused, and the replay says so instead of stopping."""
    postings, versions = _book_postings()

    def change(d: dict[str, Any]) -> None:
        d["record"]["claim"]["in_scope"] = "50000.00"

    [problem] = _replayed(versions, _with(postings[0], change)).problems
    assert ("store.verify.claim", 1) == (problem.code, problem.seq)
    assert {"seq": 1, "kind": "settle", "claim_id": "C1"} == {
        k: problem.params[k] for k in ("seq", "kind", "claim_id")
    }
    assert str(problem.params["detail"]).startswith(
        "settling it again fails: claim C1: in_scope 50000.00 is more than total 40000.00"
    )


def test_verify_settles_again_under_the_policy_the_claim_was_settled_under(
    tmp_path: Path,
) -> None:
    """A store of the minimal test policy (basic: 0.75 above a county deductible of 500.00):
    a claim of 10000.00 pays 0.75 × 9500.00 = 7125.00 from basic; verify re-settles it under
    that policy, not the built-in one, and finds nothing wrong."""
    path = tmp_path / "ledger.db"
    with LedgerBook.open(path, MINIMAL) as book:
        claim = Claim("C1", "inpatient", "2019-03-01", Facility(level="county", county=None),
                      "10000", "10000")  # fmt: skip
        settled = book.settle(claim, Person("P1", poor=False, county="x"))
        assert Decimal("7125.00") == settled.settlement.payments["basic"]
        report = verify(book)
    assert (1, 1, ()) == (report.postings, report.claims, report.problems)


# -- the ledger book (store/book.py) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "key"),
    [
        # a facility id: the policy's id for it (an alias is resolved), else the id as given
        (Facility(id="市人民医院", level="municipal", county=None), "zjj-peoples-hospital"),
        (Facility(id="H001", level="county", county="cili"), "H001"),
        # no id: tier@county in the policy's ids, a name it does not know as given, "-" for none
        (Facility(level="县级医院", county="桑植县"), "county@sangzhi"),
        (Facility(level="诊所", county="外省"), "诊所@外省"),
        (Facility(level=None, county=None), "-@-"),
    ],
)
def test_the_facility_a_report_groups_a_claim_under(facility: Facility, key: str) -> None:
    claim = Claim("C1", "inpatient", "2019-11-03", facility, total="100", in_scope="100")
    assert key == facility_key(claim, load_policy())


def test_a_claim_id_the_book_does_not_hold_is_an_unknown_claim() -> None:
    with LedgerBook.open(":memory:") as book, pytest.raises(UnknownClaim) as caught:
        book.settlement("C9")
    assert ("store.claim.unknown", "C9", "id") == (
        caught.value.code, caught.value.claim_id, caught.value.field
    )  # fmt: skip


def test_a_claim_id_settled_with_other_content_is_refused_by_whose_it_is() -> None:
    """C1 settled for P1; C1 again with another total: for P1 the other content is named
    with the first one's date; for P2 the claim is only said to be taken."""
    first = Claim("C1", "inpatient", "2019-01-10", CILI, "40000", "40000")
    other = Claim("C1", "inpatient", "2019-01-10", CILI, "30000", "30000")
    with LedgerBook.open(":memory:") as book:
        book.settle(first, CILI_PERSON)
        with pytest.raises(DuplicateClaim) as mine:
            book.settle(other, CILI_PERSON)
        with pytest.raises(DuplicateClaim) as theirs:
            book.settle(other, Person("P2", poor=False, county="cili"))
    assert ("store.claim.other_content", "C1", "id", "2019-01-10") == (
        mine.value.code, mine.value.claim_id, mine.value.field, mine.value.params["date"]
    )  # fmt: skip
    assert ("store.claim.taken", "C1", "id") == (
        theirs.value.code, theirs.value.claim_id, theirs.value.field
    )  # fmt: skip
    assert "date" not in theirs.value.params


def test_the_ledger_of_a_person_year_with_nothing_settled_is_empty_and_theirs() -> None:
    with LedgerBook.open(":memory:") as book:
        ledger = book.ledger("P7", 2021)
    assert ("P7", 2021, ()) == (ledger.person_id, ledger.year, tuple(ledger.claim_ids))


def test_a_settlement_is_stamped_in_utc() -> None:
    """``settled_at`` is an ISO time in UTC, to the microsecond, whatever the machine's zone."""
    with LedgerBook.open(":memory:") as book:
        stored = book.settle(
            Claim("C1", "inpatient", "2019-01-10", CILI, "40000", "40000"), CILI_PERSON
        )
    stamp = dt.datetime.fromisoformat(stored.settled_at)
    assert dt.timedelta(0) == stamp.utcoffset()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", stored.settled_at)


def test_a_book_opens_its_store_with_the_wait_and_durability_asked(tmp_path: Path) -> None:
    """``timeout`` (seconds to wait for another writer; 30 by default) and ``synchronous``
    reach the SQLite store: its busy timeout is in milliseconds, and a durability SQLite does
    not have is refused."""
    path = tmp_path / "ledger.db"
    for kwargs, busy in (({}, 30000), ({"timeout": 2.5}, 2500)):
        with LedgerBook.open(path, **kwargs) as book:
            assert isinstance(book.store, SQLiteStore)
            assert (busy,) == book.store._conn.execute("PRAGMA busy_timeout").fetchone()
    with pytest.raises(StoreError) as caught:
        LedgerBook.open(path, synchronous="SOMETIMES")
    assert "store.synchronous" == caught.value.code


def test_a_policy_version_of_a_built_in_policy_by_name() -> None:
    version = PolicyVersion.load("zhangjiajie_2024")
    assert "zhangjiajie_2024" == version.policy.id
    assert version.version != PolicyVersion.load().version


@pytest.mark.parametrize(
    "text",
    [
        # a policy with one defect (no claim kinds): refused by the policy reader
        MINIMAL.read_text("utf-8").replace("claim_kinds:", "claim_kindz:"),
        # not YAML at all: refused by the YAML reader
        "format: [unclosed\n",
    ],
)
def test_a_policy_file_of_a_store_is_refused_naming_the_file(tmp_path: Path, text: str) -> None:
    """A store's policy file that does not load is refused as loading it would be: the same
    error, naming the file."""
    path = tmp_path / "county.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(PolicyError) as direct:
        load_policy(path)
    with pytest.raises(PolicyError) as versioned:
        PolicyVersion.load(path)
    assert str(direct.value) == str(versioned.value)
    assert "county.yaml" in str(versioned.value)


def _claim(cid: str, day: str, amount: str = "40000") -> Claim:
    return Claim(cid, "inpatient", day, CILI, amount, amount)


def test_one_batch_numbers_its_claims_and_notes_those_posted_out_of_date_order() -> None:
    """C3 (March), C2 (February), C1 (January) settled in that order in one call: posted as
    1, 2, 3; C2 and C1 are dated before C3, the latest claim already posted, and say so."""
    with LedgerBook.open(":memory:") as book:
        out = book.settle_all(
            [_claim("C3", "2019-03-10"), _claim("C2", "2019-02-10"), _claim("C1", "2019-01-10")],
            CILI_PERSON,
        )
    assert [1, 2, 3] == [r.seq for r in out]
    later = "already posted for P1 2019; settled after it, on the ledger as it stands"
    assert [
        "",
        f"posting order: dated 2019-02-10, before claim C3 (2019-03-10) {later}",
        f"posting order: dated 2019-01-10, before claim C3 (2019-03-10) {later}",
    ] == [r.posting_note for r in out]


def test_a_retry_in_a_batch_does_not_end_the_batch() -> None:
    """C1 settled, then C1 (the same content, a retry) and C2 in one call: C1's first response
    and C2 settled."""
    with LedgerBook.open(":memory:") as book:
        first = book.settle(_claim("C1", "2019-01-10"), CILI_PERSON)
        out = book.settle_all([_claim("C1", "2019-01-10"), _claim("C2", "2019-02-10")],
                              CILI_PERSON)  # fmt: skip
        assert ["C1", "C2"] == [r.claim_id for r in out]
        assert first == out[0]
        assert out[1] == book.settlement("C2")


def test_a_presettlement_of_a_stored_claim_is_its_stored_settlement() -> None:
    """预结算 of C1 (stored with the same content) and of C2 (new): C1's stored settlement,
    then C2 as settling it would give; nothing is written."""
    with LedgerBook.open(":memory:") as book:
        stored = book.settle(_claim("C1", "2019-01-10"), CILI_PERSON)
        pre = book.presettle_all([_claim("C1", "2019-01-10"), _claim("C2", "2019-02-10")],
                                 CILI_PERSON)  # fmt: skip
        assert 2 == len(pre)
        assert stored.settlement == pre[0]
        assert 1 == len(book.settlements("P1", 2019))
        assert book.settle(_claim("C2", "2019-02-10"), CILI_PERSON).settlement == pre[1]


def test_a_claim_presettled_twice_in_one_call_is_computed_once() -> None:
    """The same new claim twice in one 预结算: the second is the first's settlement (a retry),
    not a second claim on the ledger the first left."""
    with LedgerBook.open(":memory:") as book:
        a, b = book.presettle_all([_claim("C1", "2019-01-10")] * 2, CILI_PERSON)
        assert a == b
        assert a == book.settle(_claim("C1", "2019-01-10"), CILI_PERSON).settlement


def test_a_presettlement_of_a_claim_id_stored_with_other_content_is_refused() -> None:
    with LedgerBook.open(":memory:") as book:
        book.settle(_claim("C1", "2019-01-10"), CILI_PERSON)
        with pytest.raises(DuplicateClaim) as caught:
            book.presettle(_claim("C1", "2019-01-10", "30000"), CILI_PERSON)
    assert "store.claim.other_content" == caught.value.code


def test_a_book_keeps_a_policy_version_given_as_is() -> None:
    version = PolicyVersion.load("zhangjiajie_2024")
    with LedgerBook.open(":memory:", version) as book:
        assert [version] == list(book.policies)


def test_a_reversal_re_notes_the_later_claims_by_the_posting_order_left() -> None:
    """Posted: C4 (April), then C1 (January), C3 (March), C2 (February) — each of the last three
    dated before C4 and noted so. C1 reversed: C3 and C2 are settled again after C4, the
    latest claim posted before them, and each says it is dated before C4 (C2 also before C3,
    but C4 is the latest)."""
    later = "already posted for P1 2019; settled after it, on the ledger as it stands"
    with LedgerBook.open(":memory:") as book:
        book.settle_all(
            [_claim("C4", "2019-04-10"), _claim("C1", "2019-01-10"), _claim("C3", "2019-03-10"),
             _claim("C2", "2019-02-10")],
            CILI_PERSON,
        )  # fmt: skip
        reversal = book.reverse("C1")
        assert ["C3", "C2"] == [a.claim_id for a in reversal.adjustments]
        assert [
            f"posting order: dated 2019-03-10, before claim C4 (2019-04-10) {later}",
            f"posting order: dated 2019-02-10, before claim C4 (2019-04-10) {later}",
        ] == [book.settlement(c).posting_note for c in ("C3", "C2")]
