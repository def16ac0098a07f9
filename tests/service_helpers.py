"""Shared by the settlement service's tests: a store with tokens, documents, a client."""

from __future__ import annotations

import json
from typing import Any

from zjj_medical.store import SQLiteStore
from zjj_medical.store.access import issue_token

__all__ = ["Tokens", "auth", "document", "platform_request", "tokens"]


class Tokens:
    """A facility token of H1, one of H2, a bureau token, and a revoked H1 token."""

    def __init__(self, store: SQLiteStore) -> None:
        self.h1, self.h1_record = issue_token(store, "facility", "H1", note="hospital 1")
        self.h2, _ = issue_token(store, "facility", "H2", note="hospital 2")
        self.bureau, _ = issue_token(store, "bureau", note="the bureau")
        self.revoked, record = issue_token(store, "facility", "H1")
        store.revoke_token(record.id, "2026-01-01T00:00:00+00:00")


def tokens(store: SQLiteStore) -> Tokens:
    """The tokens of :class:`Tokens`, created in ``store``."""
    return Tokens(store)


def auth(token: str, **headers: str) -> dict[str, str]:
    """The headers of a request with a bearer token."""
    return {"Authorization": f"Bearer {token}", **headers}


def document(
    claim_id: str = "C1",
    *,
    facility: str | None = "H1",
    person: str = "P1",
    date: str = "2019-11-03",
    total: str = "20000.00",
    in_scope: str = "18000.00",
) -> dict[str, Any]:
    """A person-year document of one county-hospital inpatient claim of a registered poor
    person of Sangzhi, at the facility id given."""
    return {
        "person": {"id": person, "poor": True, "county": "sangzhi", "categories": []},
        "claims": [
            {
                "id": claim_id, "kind": "inpatient", "date": date,
                "facility": {"id": facility, "level": "county", "county": "sangzhi"},
                "total": total, "in_scope": in_scope, "accident": False,
            }
        ],
        "ledger": None,
    }  # fmt: skip


def platform_request(claim_id: str = "A1", facility: str = "H1") -> dict[str, Any]:
    """A platform-shaped request: one discharge with two fee lines (class A), 1000.00 in all."""
    return {
        "psn_no": "SZ-0001", "mdtrt_id": claim_id, "med_type": "21",
        "dscg_date": "2019-11-03", "fixmedins_code": facility, "medfee_sumamt": "1000.00",
        "feedetail": [
            {"feedetl_sn": "1", "med_list_codg": "BED", "hilist_name": "床位费", "cnt": "10",
             "pric": "50.00", "det_item_fee_sumamt": "500.00", "chrgitm_lv": "01",
             "pric_uplmt_amt": None, "selfpay_prop": None},
            {"feedetl_sn": "2", "med_list_codg": "DRUG", "hilist_name": "药品", "cnt": "5",
             "pric": "100.00", "det_item_fee_sumamt": "500.00", "chrgitm_lv": "01",
             "pric_uplmt_amt": None, "selfpay_prop": None},
        ],
        "insured": {"poor": True, "county": "sangzhi"},
        "facility": {"level": "county", "county": "sangzhi"},
        "ledger": None,
    }  # fmt: skip


def body(value: Any) -> bytes:
    """JSON bytes of a value."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
