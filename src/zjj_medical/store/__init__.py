"""The ledger store: settlements and annual ledgers kept in a database, for billing integrations.

- :class:`LedgerBook` — settle (one transaction, idempotent on the claim id), pre-settle
  (预结算, nothing written), reverse (冲正 / 退费重算, later claims re-settled).
- the journal: every write appends hash-chained postings (:class:`Posting`), nothing is
  rewritten; :func:`verify` checks the chain and re-settles every person-year from it;
- :class:`LedgerStore` — the storage interface, one transaction per person-year;
  :class:`SQLiteStore` — one SQLite file; :func:`open_store` — a store by URL or file path.
- tokens, the audit trail and remembered responses of the settlement service
  (:class:`TokenRecord`, :class:`AuditRecord`, :class:`IdempotentResponse`;
  :mod:`zjj_medical.store.access`);
- :func:`reconciliation` — per fund, date and facility; :func:`to_fhir_claim_response` — FHIR R4.
"""

from zjj_medical.contract.fhir import claim_response, fhir_json, to_fhir_claim_response
from zjj_medical.store.access import AuditRecord, IdempotentResponse, TokenRecord
from zjj_medical.store.backends import open_store
from zjj_medical.store.base import LedgerStore
from zjj_medical.store.book import LedgerBook, PolicyVersion, facility_key
from zjj_medical.store.journal import Posting, Problem
from zjj_medical.store.records import Adjustment, Reversal, StoredSettlement
from zjj_medical.store.report import (
    ReconciliationRow,
    reconciliation,
    reconciliation_rows,
    reconciliation_table,
    write_reconciliation_csv,
)
from zjj_medical.store.sqlite import SQLiteStore
from zjj_medical.store.verify import VerifyReport, verify

__all__ = [
    "Adjustment",
    "AuditRecord",
    "IdempotentResponse",
    "LedgerBook",
    "LedgerStore",
    "PolicyVersion",
    "Posting",
    "Problem",
    "ReconciliationRow",
    "Reversal",
    "SQLiteStore",
    "StoredSettlement",
    "TokenRecord",
    "VerifyReport",
    "claim_response",
    "facility_key",
    "fhir_json",
    "open_store",
    "reconciliation",
    "reconciliation_rows",
    "reconciliation_table",
    "to_fhir_claim_response",
    "verify",
    "write_reconciliation_csv",
]
