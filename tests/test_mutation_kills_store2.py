"""Behaviour checks of the store's posting order, its records, the reconciliation report and
the access records (tokens, audit trail), added while mutation-testing them
(tests/MUTATION.md lists the survivors and their verdicts).

Expected values are worked out here from the documented behaviour (docs/reference/store.md,
the docstrings of ``zjj_medical.store``), never copied from an output of the code.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import re
from decimal import Decimal
from typing import Any

import attrs
import pytest
from rich.console import Console

from zjj_medical import Claim, Facility, Person, StoreError, settle
from zjj_medical.contract.codec import settlement_from_dict
from zjj_medical.engine.settlement import Settlement
from zjj_medical.i18n import use_language
from zjj_medical.money import format_money
from zjj_medical.store.access import (
    AuditRecord,
    TokenRecord,
    audit_content,
    audit_hash,
    issue_token,
    new_secret,
    new_token_id,
    same_hash,
    token_hash,
    withdraw_token,
)
from zjj_medical.store.book import LedgerBook
from zjj_medical.store.order import after_posting, latest_of, posting_note
from zjj_medical.store.records import (
    Adjustment,
    Reversal,
    layer_deltas,
    record_from_dict,
    stored_form,
)
from zjj_medical.store.report import (
    ReconciliationRow,
    reconciliation,
    reconciliation_table,
    write_reconciliation_csv,
)

CILI = Facility(level="county", county="cili")
CILI_PERSON = Person("P1", poor=False, county="cili")
LATER = "already posted for P1 2019; settled after it, on the ledger as it stands"


def _claim(cid: str, day: str, amount: str = "40000") -> Claim:
    return Claim(cid, "inpatient", day, CILI, amount, amount)


# -- posting order (store/order.py) ----------------------------------------------------------


def test_a_claim_dated_the_same_day_as_the_latest_posted_has_no_note() -> None:
    """Only a claim dated *before* the latest claim posted gets a note: the same day is not
    before it."""
    latest = (dt.date(2019, 5, 2), "C1")
    assert "" == posting_note(_claim("C2", "2019-05-02"), "P1", latest)
    with LedgerBook.open(":memory:") as book:
        book.settle(_claim("C1", "2019-05-02"), CILI_PERSON)
        assert "" == book.settle(_claim("C2", "2019-05-02"), CILI_PERSON).posting_note
        both = book.settle_all([_claim("C3", "2019-06-01"), _claim("C4", "2019-06-01")],
                               CILI_PERSON)  # fmt: skip
        assert ["", ""] == [r.posting_note for r in both]


def test_of_two_claims_of_the_latest_date_the_one_posted_last_is_the_latest() -> None:
    """C1 and C2 both dated 2019-05-02, posted in that order: the latest claim is C2 (on the
    same date, the one posted last), so a claim dated before them names C2."""
    c1, c2 = _claim("C1", "2019-05-02"), _claim("C2", "2019-05-02")
    assert (dt.date(2019, 5, 2), "C2") == after_posting(after_posting(None, c1), c2)
    with LedgerBook.open(":memory:") as book:
        out = book.settle_all([c1, c2, _claim("C0", "2019-01-10")], CILI_PERSON)
        assert f"posting order: dated 2019-01-10, before claim C2 (2019-05-02) {LATER}" == (
            out[2].posting_note
        )
        assert (dt.date(2019, 5, 2), "C2") == latest_of(out[:2])


def test_a_reversal_re_notes_by_the_claim_of_the_latest_date_posted_last() -> None:
    """Posted: C1, C2 (both 2019-05-02), X (January), C3 (March). X reversed: C3 is settled
    again after C1 and C2 and names C2, the latest of the two (posted last)."""
    with LedgerBook.open(":memory:") as book:
        book.settle_all(
            [_claim("C1", "2019-05-02"), _claim("C2", "2019-05-02"), _claim("X", "2019-01-10"),
             _claim("C3", "2019-03-10")],
            CILI_PERSON,
        )  # fmt: skip
        note = f"posting order: dated 2019-03-10, before claim C2 (2019-05-02) {LATER}"
        assert note == book.settlement("C3").posting_note
        book.reverse("X")
        assert note == book.settlement("C3").posting_note
        assert book.verify().ok


# -- records (store/records.py) -------------------------------------------------------------


def test_layer_deltas_count_a_layer_missing_on_either_side_as_0() -> None:
    """new − old per layer: ``b`` only in old (5.00 → 0: −5.00), ``c`` only in new
    (0 → 1.00: +1.00), ``a`` in both (10.00 → 7.50: −2.50)."""
    old = {"a": Decimal("10.00"), "b": Decimal("5.00")}
    new = {"a": Decimal("7.50"), "c": Decimal("1.00")}
    assert {"a": Decimal("-2.50"), "b": Decimal("-5.00"), "c": Decimal("1.00")} == (
        layer_deltas(old, new)
    )


ADJUSTMENT = Adjustment(
    "C2",
    old={"basic_insurance": Decimal("100.00"), "critical_illness": Decimal("5.00")},
    new={"basic_insurance": Decimal("112.50")},
    old_patient_pay=Decimal("95.00"),
    new_patient_pay=Decimal("87.50"),
)


def test_an_adjustment_in_json_form() -> None:
    """Old and new as two-decimal text; delta new − old (112.50 − 100.00 = 12.50;
    0 − 5.00 = −5.00); the patient's share 87.50 − 95.00 = −7.50."""
    assert {
        "claim_id": "C2",
        "old": {"basic_insurance": "100.00", "critical_illness": "5.00"},
        "new": {"basic_insurance": "112.50"},
        "delta": {"basic_insurance": "12.50", "critical_illness": "-5.00"},
        "patient_pay_delta": "-7.50",
    } == ADJUSTMENT.to_dict()


def test_a_reversal_in_json_form() -> None:
    """C1 (basic 300.00, critical 20.00, backstop 0.00) reversed, C2 adjusted as above: the
    refund is C1's payments; net = −refund + delta: basic −300.00 + 12.50 = −287.50,
    critical −20.00 − 5.00 = −25.00, backstop 0.00."""
    with LedgerBook.open(":memory:") as book:
        record = book.settle(_claim("C1", "2019-05-02"), CILI_PERSON)
    paid = {
        "basic_insurance": Decimal("300.00"),
        "critical_illness": Decimal("20.00"),
        "fiscal_backstop": Decimal("0.00"),
    }
    record = attrs.evolve(record, settlement=attrs.evolve(record.settlement, payments=paid))
    reversal = Reversal(7, record, (ADJUSTMENT,), "2026-01-01T00:00:00+00:00")
    assert {
        "reversal_id": 7,
        "claim_id": "C1",
        "person_id": "P1",
        "year": 2019,
        "refund": {
            "basic_insurance": "300.00",
            "critical_illness": "20.00",
            "fiscal_backstop": "0.00",
        },
        "adjustments": [ADJUSTMENT.to_dict()],
        "net": {
            "basic_insurance": "-287.50",
            "critical_illness": "-25.00",
            "fiscal_backstop": "0.00",
        },
    } == reversal.to_dict()


def test_a_record_written_without_a_posting_note_reads_back_with_none() -> None:
    """A record in JSON form from before posting notes (no ``posting_note`` key) has the
    empty note."""
    with LedgerBook.open(":memory:") as book:
        record = book.settle(_claim("C1", "2019-05-02"), CILI_PERSON)
    data = record.to_dict()
    del data["posting_note"]
    assert "" == record_from_dict(data).posting_note
    assert record == record_from_dict(data)


def _reprs(s: Settlement) -> dict[str, str]:
    out = {k: repr(v) for k, v in attrs.asdict(s, recurse=False).items()}
    out["payments"] = repr(dict(s.payments))
    out["trace"] = repr([attrs.asdict(e) for e in s.trace])
    return out


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("300", "300.00"),  # two places added
        ("0.125", "0.13"),  # half up, not to even
        ("2.675", "2.68"),
        ("-0.001", "0.00"),  # no negative zero
        ("9999999999.994", "9999999999.99"),  # the largest amount a JSON read accepts
    ],
)
def test_the_stored_form_is_the_settlement_as_read_back(amount: str, shown: str) -> None:
    """``stored_form(s)`` equals ``settlement_from_dict(s.to_dict(), …)`` field by field,
    for amounts in any form: each amount to two places, rounded half up."""
    with LedgerBook.open(":memory:") as book:
        s = book.settle(_claim("C1", "2019-05-02"), CILI_PERSON).settlement
    value = Decimal(amount)
    odd = attrs.evolve(
        s,
        total=value,
        in_scope=value,
        payments=dict.fromkeys(s.payments, value),
        reimbursed=value,
        patient_pay=value,
        trace=tuple(attrs.evolve(e, amount=value) for e in s.trace),
    )
    read = settlement_from_dict(odd.to_dict(), odd.ledger, odd.policy_id)
    assert _reprs(read) == _reprs(stored_form(odd))
    assert repr(Decimal(shown)) == repr(stored_form(odd).total)


def test_the_store_hands_back_amounts_whatever_the_callers_decimal_context() -> None:
    """Under a 4-digit decimal context (a notebook may set one), the book hands back the
    settlement ``settle`` computes (123456.78, not 1.235E+5), and a reversal's JSON form
    and net are exact: C1 reversed, its refund is its payments, each negated in the net;
    an adjustment's deltas of 0.01 on amounts of eight digits are 0.01."""
    claim = _claim("C1", "2019-05-02", "123456.78")
    expected = settle(claim, CILI_PERSON)
    with LedgerBook.open(":memory:") as book, decimal.localcontext(prec=4):
        record = book.settle(claim, CILI_PERSON)
        assert repr(expected) == repr(record.settlement)
        assert record == book.settlement("C1")
        reversal = book.reverse("C1")
        assert "123456.78" == format_money(reversal.reversed.settlement.total)
        paid = {k: format_money(v) for k, v in expected.payments.items()}
        assert paid == reversal.to_dict()["refund"]
        assert {k: "-" + v if v != "0.00" else v for k, v in paid.items()} == (
            reversal.to_dict()["net"]
        )
    with decimal.localcontext(prec=4):
        big = Adjustment(
            "C9",
            old={"a": Decimal("123456.78")},
            new={"a": Decimal("123456.79")},
            old_patient_pay=Decimal("23456.78"),
            new_patient_pay=Decimal("23456.77"),
        )
        assert {"a": "0.01"} == big.to_dict()["delta"]
        assert "-0.01" == big.to_dict()["patient_pay_delta"]


# -- the reconciliation report (store/report.py) ---------------------------------------------

TOWNSHIP, COUNTY = "township@cili", "county@cili"
OCT1, OCT2 = dt.date(2019, 10, 1), dt.date(2019, 10, 2)
#: Two claims at a township clinic on 1 October (300.00 each, the fund pays 210.00 of each),
#: one at the county hospital on 2 October (200.00: 100.50 by the pooling, 3.00 by a layer
#: with no Chinese name, 96.50 by the patient).
ROWS = [
    ReconciliationRow(OCT1, TOWNSHIP, "outpatient_pooling", 2, Decimal("420.00")),
    ReconciliationRow(OCT1, TOWNSHIP, "total", 2, Decimal("600.00")),
    ReconciliationRow(OCT1, TOWNSHIP, "patient_pay", 2, Decimal("180.00")),
    ReconciliationRow(OCT2, COUNTY, "outpatient_pooling", 1, Decimal("100.50")),
    ReconciliationRow(OCT2, COUNTY, "town_fund", 1, Decimal("3.00")),
    ReconciliationRow(OCT2, COUNTY, "total", 1, Decimal("200.00")),
    ReconciliationRow(OCT2, COUNTY, "patient_pay", 1, Decimal("96.50")),
]


def _cells(table: Any) -> list[list[str]]:
    return [list(c.cells) for c in table.columns]


def test_the_reconciliation_table_has_a_row_per_row_and_a_total_per_fund() -> None:
    """Each row as it is, then per layer over all dates and facilities: the pooling 2 + 1 = 3
    claims, 420.00 + 100.50 = 520.50; town_fund 1, 3.00; total 3, 800.00; patient_pay 3,
    180.00 + 96.50 = 276.50 (the funds first, in their order, then the two pseudo-layers)."""
    with use_language("en"):
        table = reconciliation_table(ROWS)
    assert ["date", "facility", "layer", "claims", "amount"] == [c.header for c in table.columns]
    assert "reconciliation" == table.title
    dates, facilities, layers, claims, amounts = _cells(table)
    assert ["2019-10-01"] * 3 + ["2019-10-02"] * 4 + ["[bold]all[/]"] * 4 == dates
    assert [TOWNSHIP] * 3 + [COUNTY] * 4 + [""] * 4 == facilities
    funds = ["outpatient_pooling", "town_fund", "total", "patient_pay"]
    assert [r.layer for r in ROWS] + funds == layers
    assert ["2", "2", "2", "1", "1", "1", "1", "3", "1", "3", "3"] == claims
    assert [
        "420.00", "600.00", "180.00", "100.50", "3.00", "200.00", "96.50",
        "[bold]520.50[/]", "[bold]3.00[/]", "[bold]800.00[/]", "[bold]276.50[/]",
    ] == amounts  # fmt: skip
    assert "my title" == reconciliation_table(ROWS, title="my title").title


def test_the_reconciliation_table_folds_its_text_and_right_aligns_its_numbers() -> None:
    """Date, facility and layer fold when too wide; claims and amount are right-aligned; no
    line between the rows (one line between the rows and the totals)."""
    table = reconciliation_table(ROWS[:3])
    assert ["fold"] * 3 == [c.overflow for c in table.columns[:3]]
    assert ["right"] * 2 == [c.justify for c in table.columns[3:]]
    assert ["left"] * 3 == [c.justify for c in table.columns[:3]]
    assert not table.show_lines
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(table)
    text = out.getvalue().splitlines()
    body = [line for line in text if "2019-10-01" in line]
    assert 3 == len(body)
    assert text.index(body[2]) == text.index(body[0]) + 2  # no rule between the rows
    assert body[0].endswith("│ outpatient_pooling │      2 │ 420.00 │")  # claims: 6 wide


def test_the_reconciliation_table_in_chinese_names_each_layer_beside_its_id() -> None:
    """In Chinese: the headings and the title as the doctest shows them, a standard layer
    and the pseudo-layers with their Chinese names, a layer without one by its id alone,
    合计 on the totals."""
    with use_language("zh"):
        table = reconciliation_table(ROWS)
    assert ["日期", "医疗机构", "支付层", "理赔数", "金额"] == [c.header for c in table.columns]
    assert "对账" == table.title
    dates, _, layers, _, _ = _cells(table)
    assert ["[bold]合计[/]"] * 4 == dates[7:]
    assert [
        "outpatient_pooling（门诊统筹）",
        "town_fund",
        "total（医疗费总额）",
        "patient_pay（个人自付）",
    ] == layers[7:]


def test_the_reconciliation_csv_is_one_line_per_row_ending_in_a_newline() -> None:
    """The header, then one row per line (``\\n``, not ``\\r\\n``), the layer's names
    beside its id (none for a layer the terms do not know: its id)."""
    out = io.StringIO()
    write_reconciliation_csv(ROWS[3:5], out)
    assert (
        "date,facility,layer,name,claims,amount\n"
        "2019-10-02,county@cili,outpatient_pooling,门诊统筹 outpatient pooling,1,100.50\n"
        "2019-10-02,county@cili,town_fund,town_fund,1,3.00\n"
    ) == out.getvalue()


def test_the_reconciliation_sums_whatever_the_callers_decimal_context() -> None:
    """Two claims of 123456.78 and 1.01 on one day at one facility: total 123457.79 under a
    4-digit decimal context too, in the rows and in the table's total."""
    other = Person("P2", poor=False, county="cili")
    with LedgerBook.open(":memory:") as book:
        book.settle(_claim("C1", "2019-05-02", "123456.78"), CILI_PERSON)
        book.settle(_claim("C2", "2019-05-02", "1.01"), other)
        with decimal.localcontext(prec=4):
            rows = reconciliation(book.store)
            table = reconciliation_table(rows)
    total = next(r for r in rows if r.layer == "total")
    assert (2, "123457.79") == (total.claims, format_money(total.amount))
    assert "[bold]123457.79[/]" == _cells(table)[4][-2]


# -- tokens and the audit trail (store/access.py) --------------------------------------------


def test_a_token_id_is_tok_and_12_hex_digits_and_a_secret_43_url_safe_characters() -> None:
    assert re.fullmatch(r"tok_[0-9a-f]{12}", new_token_id())
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", new_secret())  # 32 bytes in base64: ⌈32·4/3⌉


def test_a_token_hash_is_sha256_of_the_secrets_utf8_bytes_even_a_lone_surrogate() -> None:
    """``sha256:`` and the hex digest of the UTF-8 bytes; a lone surrogate (which a JSON
    ``\\ud800`` escape gives) is hashed as its three UTF-8 bytes, not refused."""
    assert "sha256:" + hashlib.sha256("密钥".encode()).hexdigest() == token_hash("密钥")
    assert "sha256:" + hashlib.sha256(b"a\xed\xa0\x80").hexdigest() == token_hash("a\ud800")


def test_hashes_with_characters_outside_ascii_compare_without_error() -> None:
    """A presented hash is compared as ASCII, anything else replaced: never a traceback."""
    assert same_hash("sha256:é", "sha256:é")
    assert not same_hash("sha256:é", "sha256:e")
    assert not same_hash("sha256:e", "sha256:é")


def test_a_token_record_in_json_form_has_every_attribute_but_the_hash() -> None:
    t = TokenRecord("tok_0123456789ab", "sha256:ff", "facility", "H1",
                    "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00", "ward 3")  # fmt: skip
    assert {
        "id": "tok_0123456789ab",
        "role": "facility",
        "facility": "H1",
        "created_at": "2026-01-01T00:00:00+00:00",
        "revoked_at": "2026-01-02T00:00:00+00:00",
        "note": "ward 3",
    } == t.to_dict()


AUDIT = AuditRecord(0, "2026-01-01T00:00:00+00:00", "settle", "tok_1", "facility", "H1",
                    "req-1", "C1", "", 200, "ok", "sha256:old")  # fmt: skip


def test_an_audit_records_content_is_compact_json_at_its_seq_without_the_hash() -> None:
    assert (
        '{"seq":3,"at":"2026-01-01T00:00:00+00:00","action":"settle","actor":"tok_1",'
        '"role":"facility","facility":"H1","request_id":"req-1","target":"C1",'
        '"content_hash":"","status":200,"outcome":"ok"}'
    ) == audit_content(AUDIT, 3)


def test_an_audit_hash_is_sha256_of_the_previous_hash_then_the_content() -> None:
    """Over the UTF-8 bytes (a lone surrogate in a claim id as its three bytes)."""
    content = audit_content(AUDIT, 3)
    expected = hashlib.sha256(("sha256:prev" + content).encode()).hexdigest()
    assert "sha256:" + expected == audit_hash("sha256:prev", AUDIT, 3)
    odd = attrs.evolve(AUDIT, target="C\ud800")
    text = ("sha256:prev" + audit_content(odd, 3)).encode("utf-8", "surrogatepass")
    assert "sha256:" + hashlib.sha256(text).hexdigest() == audit_hash("sha256:prev", odd, 3)


def test_a_token_created_from_the_command_line_is_kept_by_hash_and_audited() -> None:
    """``token create``: the record keeps the secret's hash only, no note, its creation time
    in UTC; the audit trail gets one ``token.create`` by ``cli`` (role ``cli``), for the
    facility, no request id, no body hash, status 0, ``ok``, at the token's creation time."""
    with LedgerBook.open(":memory:") as book:
        secret, record = issue_token(book.store, "facility", "H1")
        assert token_hash(secret) == record.hash
        assert ("facility", "H1", "", None) == (
            record.role, record.facility, record.note, record.revoked_at,
        )  # fmt: skip
        assert [record] == book.store.tokens()
        (audit,) = book.store.audit()
    assert dt.timedelta(0) == dt.datetime.fromisoformat(record.created_at).utcoffset()  # UTC
    assert (
        "token.create", "cli", "cli", "H1", "", record.id, "", 0, "ok", record.created_at,
    ) == (
        audit.action, audit.actor, audit.role, audit.facility, audit.request_id, audit.target,
        audit.content_hash, audit.status, audit.outcome, audit.at,
    )  # fmt: skip


def test_a_token_created_by_another_actor_names_it_and_its_request() -> None:
    """Created on behalf of ``tok_admin`` in request ``req-9``: the audit record names both,
    and its role is one of the roles the trail knows."""
    with LedgerBook.open(":memory:") as book:
        _, record = issue_token(book.store, "bureau", actor="tok_admin", request_id="req-9",
                                note="audit office")  # fmt: skip
        (audit,) = book.store.audit()
    assert (None, "audit office") == (record.facility, record.note)
    assert ("tok_admin", "req-9", None) == (audit.actor, audit.request_id, audit.facility)
    assert audit.role in ("facility", "bureau", "cli")


@pytest.mark.parametrize(
    ("role", "facility", "code", "params", "field"),
    [
        ("admin", None, "service.token.role",
         {"value": "admin", "accepted": ["facility", "bureau"]}, "role"),
        ("facility", None, "service.token.facility", {"role": "facility"}, "facility"),
        ("facility", "", "service.token.facility", {"role": "facility"}, "facility"),
        ("bureau", "H1", "service.token.bureau", {"role": "bureau"}, "facility"),
    ],
)  # fmt: skip
def test_a_token_of_an_unknown_role_or_a_wrong_facility_is_refused_and_nothing_kept(
    role: str, facility: str | None, code: str, params: dict[str, Any], field: str
) -> None:
    with LedgerBook.open(":memory:") as book:
        with pytest.raises(StoreError) as caught:
            issue_token(book.store, role, facility)
        assert ([], []) == (book.store.tokens(), book.store.audit())
    assert (code, params, field) == (caught.value.code, caught.value.params, caught.value.field)


def test_a_token_revoked_from_the_command_line_is_audited_once() -> None:
    """``token revoke``: the record comes back revoked; the audit trail gets
    ``token.revoke`` by ``cli`` for the token's facility, at the revocation time; revoking
    it again is refused as no valid token."""
    with LedgerBook.open(":memory:") as book:
        _, record = issue_token(book.store, "facility", "H1")
        found = withdraw_token(book.store, record.id)
        assert (record.id, "H1") == (found.id, found.facility)
        assert found.revoked_at is not None
        assert not found.active
        _, revoked = book.store.audit()
        with pytest.raises(StoreError) as caught:
            withdraw_token(book.store, record.id)
        assert 2 == len(book.store.audit())
    assert (
        "token.revoke", "cli", "cli", "H1", "", record.id, "", 0, "ok", found.revoked_at,
    ) == (
        revoked.action, revoked.actor, revoked.role, revoked.facility, revoked.request_id,
        revoked.target, revoked.content_hash, revoked.status, revoked.outcome, revoked.at,
    )  # fmt: skip
    assert ("service.token.unknown", {"token_id": record.id}, "token_id") == (
        caught.value.code, caught.value.params, caught.value.field,
    )  # fmt: skip


def test_a_token_revoked_by_another_actor_names_it_and_its_request() -> None:
    with LedgerBook.open(":memory:") as book:
        _, record = issue_token(book.store, "bureau")
        withdraw_token(book.store, record.id, actor="tok_admin", request_id="req-7")
        _, revoked = book.store.audit()
    assert ("tok_admin", "req-7", None) == (revoked.actor, revoked.request_id, revoked.facility)
