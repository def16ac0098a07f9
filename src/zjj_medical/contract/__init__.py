"""Formats: every shape the library reads or writes, each coded once.

* :mod:`~zjj_medical.contract.inputs` — the claim and the person as objects of their
  fields: the one reader and writer every shape below goes through;
* :mod:`~zjj_medical.contract.documents` — the JSON contract (a person-year document in,
  settlements and the ledger out) and its JSON Schemas (``*.schema.json`` beside it);
* :mod:`~zjj_medical.contract.rows` — claims and people as table rows (CSV / Parquet): the
  table's own spellings, then the reader above;
* :mod:`~zjj_medical.contract.codec` — the store's records (claims and persons in the
  contract's form) and their versioned content hash;
* :mod:`~zjj_medical.contract.fhir` — FHIR ``ClaimResponse`` export.
"""
