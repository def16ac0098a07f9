"""The rules: one claim through the policy's payer layers, exact to the fen.

* :mod:`~zjj_medical.engine.claims`, :mod:`~zjj_medical.engine.people` — the inputs as values;
* :mod:`~zjj_medical.engine.normalize` — the one boundary where a claim and a person become
  the policy's ids and the facts its conditions read;
* :mod:`~zjj_medical.engine.layers` — the layer types, each defined once (reader, resolver,
  integer kernel, trace), run by both evaluators;
* :mod:`~zjj_medical.engine.settlement` — the scalar evaluator (one claim, a ledger carried);
  the table evaluator is :mod:`zjj_medical.batch`;
* :mod:`~zjj_medical.engine.ledger`, :mod:`~zjj_medical.engine.trace` — what a settlement
  carries forward and how it explains itself.

The public names are exported from :mod:`zjj_medical`.
"""
