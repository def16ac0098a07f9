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

from zjj_medical.contract.codec import content_hash, same_content
from zjj_medical.contract.documents import output_document, parse_document, settle_document
from zjj_medical.contract.fhir import claim_response, fhir_json
from zjj_medical.contract.inputs import (
    claim_from_dict,
    claim_to_dict,
    person_from_dict,
    person_to_dict,
)
from zjj_medical.contract.rows import claim_from_row, person_from_row

__all__ = [
    "claim_from_dict",
    "claim_from_row",
    "claim_response",
    "claim_to_dict",
    "content_hash",
    "fhir_json",
    "output_document",
    "parse_document",
    "person_from_dict",
    "person_from_row",
    "person_to_dict",
    "same_content",
    "settle_document",
]
