"""Formats: every shape the library reads or writes, each coded once.

* :mod:`~zjj_medical.contract.documents` — the JSON contract (a person-year document in,
  settlements and the ledger out) and its JSON Schemas (``*.schema.json`` beside it);
* :mod:`~zjj_medical.contract.rows` — claims and people as table rows (CSV / Parquet);
* :mod:`~zjj_medical.contract.codec` — the store's record of a claim and its content hash;
* :mod:`~zjj_medical.contract.fhir` — FHIR ``ClaimResponse`` export.
"""
