"""The lines table of a batch run: each claim's fee lines, by claim id.

A lines table has one row per fee line: ``claim_id, code, name, class, quantity, price``
and optionally ``amount, limit, self_pay_ratio`` (see
:func:`~zjj_medical.contract.rows.line_from_row`). A claim's lines are its rows in the
table's order. The table is refused as a whole (``ValueError``) when a line cannot be
attributed to exactly one claim row: a line without a claim id, a line whose claim id is
not in the claims table, or a claim id with lines given on two claims rows.

>>> import pandas as pd
>>> claims = pd.DataFrame({"claim_id": ["C1", "C2"]})
>>> lines = pd.DataFrame({"claim_id": ["C2", "C2"], "code": ["A1", "B1"], "name": ["a", "b"],
...                       "class": ["A", "B"], "quantity": ["1", "2"], "price": ["5", "7"]})
>>> {k: [r["code"] for r in v] for k, v in lines_by_claim(lines, claims).items()}
{'C2': ['A1', 'B1']}
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zjj_medical.batch.columns import id_text
from zjj_medical.contract.rows import LINE_REQUIRED, is_missing
from zjj_medical.errors import problem

__all__ = ["LinesOf", "lines_by_claim"]

#: A claim's lines-table rows by claim id (claims without lines are absent).
LinesOf = dict[str, list[dict[Any, Any]]]


def lines_by_claim(lines: pd.DataFrame | None, claims: pd.DataFrame) -> LinesOf:
    """Each claim's lines-table rows, in the table's order, by claim id.

    Raises:
        ValueError: a required column is missing, a line has no claim id or one not in the
            claims table, or a claim id with lines is on more than one claims row.
    """
    if lines is None:
        return {}
    for column in LINE_REQUIRED:
        if column not in lines.columns:
            raise problem(ValueError, "table.column.missing", table="lines", column=column)
    if len(lines) == 0:
        return {}
    raw = lines["claim_id"].to_numpy(dtype=object)
    absent = [k for k, v in enumerate(raw) if is_missing(v)]
    if absent:
        raise problem(ValueError, "lines.claim_id.missing", row=absent[0] + 1)
    ids = id_text(lines["claim_id"])
    known = pd.Index(id_text(claims["claim_id"]), dtype=object)
    found = known.get_indexer_for(pd.Index(ids, dtype=object)) if known.is_unique else None
    if found is None:
        has_lines = known.isin(pd.Index(ids, dtype=object))
        twice = known[has_lines & known.duplicated(keep=False)]
        if len(twice):
            raise problem(ValueError, "lines.claim_id.twice", claim_id=str(twice[0]))
        found = np.where(pd.Index(ids, dtype=object).isin(known), 0, -1)
    unknown = np.flatnonzero(np.asarray(found) < 0)
    if len(unknown):
        k = int(unknown[0])
        raise problem(ValueError, "lines.claim_id.unknown", row=int(k) + 1, claim_id=str(ids[k]))
    out: LinesOf = {}
    for cid, row in zip(ids, lines.to_dict("records"), strict=True):
        out.setdefault(cid, []).append(row)
    return out
