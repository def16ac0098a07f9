"""Reforms: a policy overlay of dated parameter changes, applied and validated like a policy.

A reform names parameters by their key path in the policy file and gives each a new value::

    format: zjj-medical-reform/1
    name: County hospitals at 80%
    changes:
      layers[basic_insurance].ratio.values.2019-01-01.county: 0.80

A path is the policy file's keys joined by dots; ``[id]`` picks an element of a list by its
``id`` (``layers[critical_illness]``) and ``[n]`` by position (``bands.values.2019-01-01[3]``).
Every key on the path must exist, with one exception that makes reforms dated: under a
``values`` mapping a new start date may be named. If the path goes on below the new date,
the new entry starts as a copy of the value in force on that date, so
``layers[basic_insurance].ratio.values.2019-07-01.county: 0.80`` changes the county ratio
from 1 July and leaves the other tiers as they were.

The patched document goes through :func:`zjj_medical.policy.parse_policy`, so a bad value
is refused with the key path the loader names; a path that does not exist is refused with
the reform's own key path.

>>> policy = apply_reform(None, {"layers[basic_insurance].ratio.values.2019-01-01.county": "0.80"})
>>> policy.layer("basic_insurance").ratio.raw_at(policy.start)["county"]
Decimal('0.80')
>>> apply_reform(None, {"layers[basic_insurance].ratoi.values.2019-01-01.county": "0.80"})
Traceback (most recent call last):
...
zjj_medical.errors.PolicyError: <reform>: changes.layers[basic_insurance].ratoi...: unknown key 'ratoi' (keys here: ...)
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from zjj_medical.analysis.metrics import (
    DEFAULT_CATASTROPHIC_THRESHOLD,
    GROUPS,
    Summary,
    fen_column,
    flags,
    ids_column,
    money_from_fen,
    money_series,
    nearest_rank,
    summarize,
    table_records,
    yuan,
    zero_rate_notes,
)
from zjj_medical.errors import PolicyError, problem
from zjj_medical.policy.loader import BUILTIN_POLICIES, load_policy, parse_policy, policy_source
from zjj_medical.policy.model import Policy
from zjj_medical.policy.yamlio import read_policy_file, read_policy_text
from zjj_medical.render.notes import DOCS, note

__all__ = [
    "CHANGE_PERCENTILES",
    "Comparison",
    "Reform",
    "apply_reform",
    "compare",
    "load_reform",
    "policy_document",
]

FORMAT = "zjj-medical-reform/1"
_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\[\]]+)\]")
_PATH = re.compile(r"^[^.\[\]]+(\[[^\[\]]+\])*(\.[^.\[\]]+(\[[^\[\]]+\])*)*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@attrs.frozen
class Reform:
    """A named set of parameter changes (key path → new value), in the order written.

    Values are as a policy file has them (numbers as text or integers, never floats).
    """

    name: str
    changes: tuple[tuple[str, Any], ...]
    description: str = ""
    source: str = "<reform>"

    @property
    def id(self) -> str:
        """A short Latin id: the file's stem, or ``reform`` for one given in memory.

        >>> from zjj_medical import examples
        >>> load_reform(examples.path("reforms/county_ratio_080.yaml")).id
        'county_ratio_080'
        """
        return Path(self.source).stem if self.source != "<reform>" else "reform"

    def to_dict(self) -> dict[str, Any]:
        """The reform as a document of the reform format."""
        out: dict[str, Any] = {"format": FORMAT, "name": self.name}
        if self.description:
            out["description"] = self.description
        out["changes"] = dict(self.changes)
        return out


def policy_document(name_or_path: str | Path | None = None) -> tuple[dict[str, Any], str]:
    """The raw document of a policy (built-in name or file) and its source name, unvalidated.

    >>> doc, source = policy_document()
    >>> source, doc["id"], doc["layers"][0]["ratio"]["values"]["2019-01-01"]["county"]
    ('zhangjiajie.yaml', 'zhangjiajie', '0.75')
    """
    text, source = policy_source(name_or_path)
    return read_policy_text(text, source), source


def load_reform(reform: Reform | Mapping[str, Any] | str | Path) -> Reform:
    """A :class:`Reform` from a reform file, a reform document, or a plain ``{path: value}``.

    >>> load_reform({"layers[basic_insurance].caps[0].values.2019-01-01": 200000}).changes
    (('layers[basic_insurance].caps[0].values.2019-01-01', 200000),)
    """
    if isinstance(reform, Reform):
        return reform
    if isinstance(reform, str | Path):
        path = Path(reform)
        if not path.is_file():
            raise PolicyError(
                code="reform.file.missing", params={"source": str(reform)}, source=str(reform)
            )
        doc = read_policy_text(read_policy_file(path), path.name)
        return _from_document(doc, path.name)
    if not isinstance(reform, Mapping):
        raise problem(TypeError, "reform.type", type=type(reform).__name__)
    if "changes" in reform or "format" in reform:
        return _from_document(dict(reform), "<reform>")
    return _from_document({"format": FORMAT, "name": "reform", "changes": dict(reform)}, "<reform>")


def _from_document(doc: Any, source: str) -> Reform:
    def fail(path: str, code: str, **params: object) -> PolicyError:
        return PolicyError(
            code=code, params={"source": source, "path": path, **params},
            source=source, path=path,
        )  # fmt: skip

    if not isinstance(doc, dict):
        raise fail("", "reform.mapping")
    accepted = {"format", "name", "description", "reference", "changes"}
    for key in doc:
        if key not in accepted:
            raise fail(str(key), "reform.key.unknown", accepted=sorted(accepted))
    for key in ("format", "name", "changes"):
        if key not in doc:
            raise fail(key, "reform.key.missing")
    if doc["format"] != FORMAT:
        raise fail("format", "reform.format", value=doc["format"], format=FORMAT)
    if not isinstance(doc["name"], str) or not doc["name"].strip():
        raise fail("name", "reform.name")
    changes = doc["changes"]
    if not isinstance(changes, Mapping) or not changes:
        raise fail("changes", "reform.changes")
    for key in changes:
        if not isinstance(key, str) or not _PATH.match(key):
            raise fail(f"changes.{key}", "reform.changes.path")
    description = " ".join(str(doc.get("description", "")).split())
    return Reform(" ".join(doc["name"].split()), tuple(changes.items()), description, source)


def _segments(path: str) -> list[tuple[str, bool]]:
    """``'layers[x].ratio'`` → ``[('layers', False), ('x', True), ('ratio', False)]``."""
    return [(m[1] or m[2], m[2] is not None) for m in _SEGMENT.finditer(path)]


def _in_force_key(values: Mapping[str, Any], day: str) -> str | None:
    earlier = [k for k in values if isinstance(k, str) and _DATE.match(k) and k <= day]
    return max(earlier) if earlier else None


def _set(doc: Any, path: str, value: Any, fail: Any) -> None:
    segments = _segments(path)
    node = doc
    where = ""
    for i, (seg, selector) in enumerate(segments):
        last = i == len(segments) - 1
        shown = f"{where}[{seg}]" if selector else (f"{where}.{seg}" if where else seg)
        if selector:
            if not isinstance(node, list):
                if not where:
                    raise fail(path, "reform.set.policy_not_list", segment=seg)
                raise fail(path, "reform.set.not_list", where=where, segment=seg)
            if seg.isdigit():
                if int(seg) >= len(node):
                    raise fail(path, "reform.set.index", at=shown, where=where, count=len(node))
                index = int(seg)
            else:
                ids = [item.get("id") for item in node if isinstance(item, dict)]
                if seg not in ids:
                    raise fail(
                        path, "reform.set.id", segment=seg, where=where, ids=[str(i) for i in ids]
                    )
                index = ids.index(seg)
            if last:
                node[index] = value
                return
            node = node[index]
        else:
            if not isinstance(node, dict):
                raise fail(path, "reform.set.not_mapping", where=where, segment=seg)
            if seg not in node:
                parent = where.rsplit(".", 1)[-1]
                if parent == "values" and _DATE.match(seg):
                    _add_dated(node, seg, value, not last, path, fail)
                    if last:
                        return
                else:
                    keys = sorted(map(str, node))
                    raise fail(path, "reform.set.key", segment=seg, keys=keys)
            if last:
                node[seg] = value
                return
            node = node[seg]
        where = shown


def _add_dated(
    values: dict[str, Any], day: str, value: Any, inherit: bool, path: str, fail: Any
) -> None:
    """Insert a new start date into a ``values`` mapping, keeping the dates in order.

    With ``inherit`` the new entry is a copy of the value in force on that date (the path
    goes on below it); otherwise it is ``value``.
    """
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise fail(path, "reform.set.date", day=day) from None
    if inherit:
        key = _in_force_key(values, day)
        if key is None:
            raise fail(path, "reform.set.not_in_force", day=day)
        value = copy.deepcopy(values[key])
    values[day] = value
    ordered = sorted(values.items(), key=lambda kv: str(kv[0]))
    values.clear()
    values.update(ordered)


def apply_reform(
    policy_source: str | Path | Mapping[str, Any] | None,
    reform: Reform | Mapping[str, Any] | str | Path,
) -> Policy:
    """The policy with the reform's changes applied, validated by the policy loader.

    Args:
        policy_source: a built-in policy name (``None`` is ``zhangjiajie``), a policy file,
            or a raw policy document (see :func:`policy_document`).
        reform: a :class:`Reform`, a reform file, a reform document, or ``{path: value}``.

    Raises:
        PolicyError: the reform is malformed or names a path the policy does not have
            (the message names the reform's key path), or the patched policy does not
            validate (the message names the policy's key path).

    >>> p = apply_reform("zhangjiajie",
    ...                  {"layers[critical_illness].deductible.values.2019-07-01": 8000})
    >>> d = p.layer("critical_illness").deductible
    >>> [str(v) for _, v in d.values]
    ['10000.00', '8000.00']
    """
    r = load_reform(reform)
    if isinstance(policy_source, Mapping):
        doc, source = copy.deepcopy(dict(policy_source)), "<policy>"
    else:
        doc, source = policy_document(policy_source)

    def fail(path: str, code: str, **params: object) -> PolicyError:
        return PolicyError(
            code=code, params={"source": r.source, "path": path, **params},
            source=r.source, path=path,
        )  # fmt: skip

    for path, value in r.changes:
        _set(doc, path, copy.deepcopy(value), fail)
    return parse_policy(doc, f"{source} + {r.source}")


# -- comparing a reform with the baseline ------------------------------------------------
#: Percentiles of the per-person change in out-of-pocket spending reported by :func:`compare`.
CHANGE_PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


@attrs.frozen
class Comparison:
    """A reform against the baseline on the same claims. Money is ``Decimal`` yuan.

    Attributes:
        baseline_name: the baseline policy's id.
        reform_name: the reform's name (the reformed policy's id when given a policy).
        reform_id: a short Latin id of the reform (file stem, ``reform``, or the policy's id).
        baseline, reform: the :class:`~zjj_medical.analysis.metrics.Summary` of each run.
        layers: index layer id; columns ``name``, ``baseline``, ``reform``, ``change``
            (fund cost of the layer, reform − baseline), ``note`` (why a layer pays nothing
            when its rate is assumed 0, else empty).
        totals: index ``all`` / ``poor`` / ``not_poor``; columns ``reimbursed_baseline``,
            ``reimbursed_reform``, ``reimbursed_change``, ``out_of_pocket_baseline``,
            ``out_of_pocket_reform``, ``out_of_pocket_change``.
        persons: index ``all`` / ``poor`` / ``not_poor``; columns ``better_off`` (lower
            out-of-pocket over the year), ``worse_off``, ``unchanged`` (persons without
            claims included).
        out_of_pocket_change: the change of a person-year's out-of-pocket spending (reform −
            baseline) at :data:`CHANGE_PERCENTILES` (index; nearest rank), columns ``all`` /
            ``poor`` / ``not_poor``, over the persons with at least one claim.
        per_person: one row per person: ``person_id``, ``poor``, ``baseline``, ``reform``,
            ``change`` (out-of-pocket of the year), ``has_claims`` (a claim settled in either run).
        baseline_result, reform_result: the two batch results (money in fen).
        baseline_policy, reform_policy: the two policies run.
    """

    baseline_name: str
    reform_name: str
    reform_id: str
    baseline: Summary
    reform: Summary
    layers: pd.DataFrame = attrs.field(eq=False)
    totals: pd.DataFrame = attrs.field(eq=False)
    persons: pd.DataFrame = attrs.field(eq=False)
    out_of_pocket_change: pd.DataFrame = attrs.field(eq=False)
    per_person: pd.DataFrame = attrs.field(eq=False, repr=False)
    baseline_result: pd.DataFrame = attrs.field(eq=False, repr=False)
    reform_result: pd.DataFrame = attrs.field(eq=False, repr=False)
    baseline_policy: Policy = attrs.field(eq=False, repr=False)
    reform_policy: Policy = attrs.field(eq=False, repr=False)

    def __repr__(self) -> str:
        """One line: the changes in reimbursement and out-of-pocket, who is better or worse off."""
        from zjj_medical.render.notebook import comparison_repr

        return comparison_repr(self)

    def _repr_html_(self) -> str:
        """The comparison's tables as HTML (Jupyter shows it)."""
        from zjj_medical.render.notebook import comparison_html

        return comparison_html(self)

    def worse_off(self) -> pd.DataFrame:
        """The persons who pay more out of pocket under the reform, and why.

        Columns: ``person_id``, ``poor``, ``baseline``, ``reform``, ``change`` (out-of-pocket
        of the year, ``Decimal`` yuan), ``paid_less`` (the layers that paid this person less
        under the reform, comma-separated) and ``why`` (in words, with the documentation
        page that works the case). A more generous layer can leave a smaller remainder for
        a later layer that accumulates over the year — critical-illness insurance — so a
        person with a later claim outside the county (no fiscal backstop there) can end up
        paying more. The how-to *Run a reform in a notebook* works such a case by hand.

        >>> import pandas as pd
        >>> people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
        >>> claims = pd.DataFrame({
        ...     "claim_id": ["C1"], "person_id": ["P1"], "kind": ["inpatient"],
        ...     "date": ["2019-05-01"], "facility_id": [None], "facility_level": ["county"],
        ...     "facility_county": ["cili"], "total": ["10500"], "in_scope": ["10500"]})
        >>> c = compare(claims, people, None,
        ...             {"layers[basic_insurance].ratio.values.2019-01-01.county": "0.80"})
        >>> len(c.worse_off()), list(c.worse_off().columns)
        (0, ['person_id', 'poor', 'baseline', 'reform', 'change', 'paid_less', 'why'])
        """
        rows = self.per_person[[c > 0 for c in self.per_person["change"]]]
        frame = rows[["person_id", "poor", "baseline", "reform", "change"]].reset_index(drop=True)
        persons = frame[["person_id"]]
        less: list[list[str]] = [[] for _ in range(len(frame))]
        for layer in self.layers.index:
            before = _person_layer_fen(persons, self.baseline_result, str(layer))
            after = _person_layer_fen(persons, self.reform_result, str(layer))
            for k in np.flatnonzero(after < before):
                less[int(k)].append(str(layer))
        frame["paid_less"] = [", ".join(x) for x in less]
        frame["why"] = [
            note("worse_off.critical_illness" if "critical_illness" in x else "worse_off.other")
            for x in less
        ]
        frame.attrs["docs"] = DOCS["worse_off"]
        return frame

    def to_dict(self) -> dict[str, Any]:
        """The comparison as JSON-ready data (the two summaries included)."""
        return {
            "baseline_name": self.baseline_name,
            "reform_name": self.reform_name,
            "reform_id": self.reform_id,
            "layers": table_records(self.layers, "layer"),
            "totals": table_records(self.totals, "group"),
            "persons": table_records(self.persons, "group"),
            "out_of_pocket_change": table_records(self.out_of_pocket_change, "percentile"),
            "baseline": self.baseline.to_dict(),
            "reform": self.reform.to_dict(),
        }


def _baseline_source(baseline: Policy | str | Path | None) -> str | Path | None:
    if not isinstance(baseline, Policy):
        return baseline
    if baseline.id in BUILTIN_POLICIES and baseline.file == f"{baseline.id}.yaml":
        return baseline.id
    raise problem(ValueError, "reform.baseline", policy_id=baseline.id)


def compare(
    claims: pd.DataFrame,
    people: pd.DataFrame,
    baseline: Policy | str | Path | None,
    reform: Policy | Reform | Mapping[str, Any] | str | Path,
    *,
    lines: pd.DataFrame | None = None,
    catastrophic_threshold: Decimal | str | int = DEFAULT_CATASTROPHIC_THRESHOLD,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run the claims under the baseline and under the reform, and compare.

    Args:
        claims: the claims table of :func:`zjj_medical.batch.simulate`.
        people: the people table of :func:`zjj_medical.batch.simulate`.
        baseline: the baseline policy: a :class:`Policy`, a built-in name, a file, or
            ``None`` (``zhangjiajie``).
        reform: the reformed :class:`Policy`, or a reform (:func:`load_reform` accepts it)
            applied to the baseline.
        lines: the claims' fee lines (as :func:`~zjj_medical.batch.simulate` takes them);
            each run splits them by its own policy's catalogue rules, so a reform of the
            catalogue changes what is in scope.
        catastrophic_threshold: passed to :func:`~zjj_medical.analysis.metrics.summarize`.
        progress: passed to both runs of :func:`~zjj_medical.batch.simulate`.

    >>> import pandas as pd
    >>> people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    >>> claims = pd.DataFrame({
    ...     "claim_id": ["C1"], "person_id": ["P1"], "kind": ["inpatient"],
    ...     "date": ["2019-05-01"], "facility_id": [None], "facility_level": ["county"],
    ...     "facility_county": ["cili"], "total": ["10500"], "in_scope": ["10500"]})
    >>> c = compare(claims, people, None,
    ...             {"layers[basic_insurance].ratio.values.2019-01-01.county": "0.80"})
    >>> c.layers.loc["basic_insurance", ["baseline", "reform", "change"]].tolist()
    [Decimal('7500.00'), Decimal('8000.00'), Decimal('500.00')]
    """
    from zjj_medical.batch import simulate

    if isinstance(reform, Policy):
        reformed, reform_name, reform_id = reform, reform.id, reform.id
    else:
        spec = load_reform(reform)
        reformed = apply_reform(_baseline_source(baseline), spec)
        reform_name, reform_id = spec.name, spec.id
    base_policy = baseline if isinstance(baseline, Policy) else load_policy(baseline)
    runs = []
    for policy in (base_policy, reformed):
        result = simulate(
            claims, people, lines=lines, policy=policy, money="fen", progress=progress
        )
        summary = summarize(
            result, people, claims=claims, policy=policy,
            catastrophic_threshold=catastrophic_threshold, money="fen",
        )  # fmt: skip
        runs.append((result, summary))
    (b_res, b_sum), (r_res, r_sum) = runs

    b_cost = b_sum.fund_cost.set_index("layer")
    r_cost = r_sum.fund_cost.set_index("layer")
    ids = list(dict.fromkeys([*b_cost.index, *r_cost.index]))
    zero = yuan(0)
    layers = pd.DataFrame(
        [
            {
                "name": (b_cost if i in b_cost.index else r_cost).loc[i, "name"],
                "baseline": b_cost["amount"].get(i, zero),
                "reform": r_cost["amount"].get(i, zero),
            }
            for i in ids
        ],
        index=ids,
    )
    layers["change"] = [r - b for b, r in zip(layers["baseline"], layers["reform"], strict=True)]
    for col in ("baseline", "reform", "change"):
        layers[col] = money_series(layers[col].tolist(), index=layers.index)
    layers["note"] = _layer_notes(base_policy, reformed, ids)

    totals = pd.DataFrame(index=b_sum.totals.index)
    for col in ("reimbursed", "out_of_pocket"):
        b, r = b_sum.totals[col], r_sum.totals[col]
        totals[f"{col}_baseline"] = b
        totals[f"{col}_reform"] = r
        totals[f"{col}_change"] = money_series(
            [y - x for x, y in zip(b, r, strict=True)], index=totals.index
        )

    per_person = _per_person(people, b_res, r_res)
    persons_rows = []
    change_pct: dict[str, list[Decimal | None]] = {}
    for group in GROUPS:
        sel = per_person if group == "all" else per_person[per_person["poor"] == (group == "poor")]
        fen = sel["change_fen"].to_numpy(np.int64)
        persons_rows.append({"better_off": int((fen < 0).sum()), "worse_off": int((fen > 0).sum()),
                             "unchanged": int((fen == 0).sum())})  # fmt: skip
        users = np.sort(fen[sel["has_claims"].to_numpy(bool)])
        change_pct[group] = [nearest_rank(users, p) for p in CHANGE_PERCENTILES]
    per_person = per_person.drop(columns=["change_fen"])
    return Comparison(
        baseline_name=base_policy.id, reform_name=reform_name, reform_id=reform_id, baseline=b_sum, reform=r_sum,
        layers=layers, totals=totals,
        persons=pd.DataFrame(persons_rows, index=list(GROUPS)),
        out_of_pocket_change=pd.DataFrame(
            {g: money_series(v, index=list(CHANGE_PERCENTILES)) for g, v in change_pct.items()}
        ),
        per_person=per_person, baseline_result=b_res, reform_result=r_res,
        baseline_policy=base_policy, reform_policy=reformed,
    )  # fmt: skip


def _layer_notes(baseline: Policy, reform: Policy, ids: list[str]) -> list[str]:
    """A layer's note: its rate is assumed 0 in both runs, or in one of them (named)."""
    b, r = zero_rate_notes(baseline, ids), zero_rate_notes(reform, ids)
    return [x if x == y else (f"baseline: {x}" if x else f"reform: {y}" if y else "")
            for x, y in zip(b, r, strict=True)]  # fmt: skip


def _person_layer_fen(people: pd.DataFrame, result: pd.DataFrame, layer: str) -> np.ndarray:
    """What one layer paid each person of ``people`` over the year, in fen (settled rows)."""
    ids = ids_column(people["person_id"]).to_numpy()
    if layer not in result:
        return np.zeros(len(ids), dtype=np.int64)
    ok = result["error"].isna().to_numpy() if "error" in result else np.ones(len(result), bool)
    fen = np.where(ok, fen_column(result[layer], "fen"), 0)
    sums = pd.Series(fen, index=ids_column(result["person_id"]).to_numpy()).groupby(level=0).sum()
    return sums.reindex(ids, fill_value=0).to_numpy(np.int64)


def _per_person(people: pd.DataFrame, base: pd.DataFrame, reform: pd.DataFrame) -> pd.DataFrame:
    """Out-of-pocket of each person's year in both runs (settled rows only)."""
    ids = ids_column(people["person_id"])
    out = {}
    has = np.zeros(len(ids), dtype=bool)
    for label, res in (("baseline", base), ("reform", reform)):
        ok = res["error"].isna().to_numpy() if "error" in res else np.ones(len(res), bool)
        fen = np.where(ok, fen_column(res["patient_pay"], "fen"), 0)
        pids = ids_column(res["person_id"]).to_numpy()
        sums = pd.Series(fen, index=pids).groupby(level=0).sum()
        out[label] = sums.reindex(ids.to_numpy(), fill_value=0).to_numpy(np.int64)
        has |= ids.isin(set(pids[ok])).to_numpy(bool)  # hashed: np.isin on objects is quadratic
    poor = flags(people["poor"])
    return pd.DataFrame(
        {
            "person_id": ids.to_numpy(),
            "poor": poor,
            "baseline": money_from_fen(out["baseline"].astype(np.int64)),
            "reform": money_from_fen(out["reform"].astype(np.int64)),
            "change": money_from_fen((out["reform"] - out["baseline"]).astype(np.int64)),
            "change_fen": out["reform"] - out["baseline"],
            "has_claims": has,
        }
    )
