"""A synthetic county population and its claims for a year, for policy simulation.

:func:`synthetic_population` draws people (county, registered poor, categories) and their
inpatient and outpatient claims (tier, facility, in-county choice, heavy-tailed costs,
in-scope share, accidents, dates) from the parameters in ``data/population.yaml``. Each
parameter there carries a description and a reference: the registered-poor share is the
source text's 30,362 registered poor among 1.72 million people; every number the text does
not state is marked ``assumed: true`` with a reason (:func:`population_parameters` reads them).

The draw is deterministic per seed (one :class:`numpy.random.Generator`), and money is exact:
each amount is drawn in whole fen and handed out as ``Decimal`` yuan with two places.

>>> people, claims = synthetic_population(200, seed=7)
>>> len(people), list(people.columns)
(200, ['person_id', 'poor', 'county', 'categories'])
>>> list(claims.columns)  # doctest: +NORMALIZE_WHITESPACE
['claim_id', 'person_id', 'kind', 'date', 'facility_id', 'facility_level', 'facility_county',
 'total', 'in_scope', 'accident']
>>> bool((claims["in_scope"] <= claims["total"]).all())
True
>>> people2, claims2 = synthetic_population(200, seed=7)
>>> claims.equals(claims2)
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from zjj_medical.analysis.metrics import yuan
from zjj_medical.errors import problem
from zjj_medical.policy.reader import Reader
from zjj_medical.policy.yamlio import read_policy_file, read_policy_text

__all__ = [
    "CLAIM_COLUMNS",
    "PEOPLE_COLUMNS",
    "PopulationParameter",
    "population_parameters",
    "synthetic_population",
]

FORMAT = "zjj-medical-population/1"
#: Columns of the people table.
PEOPLE_COLUMNS = ("person_id", "poor", "county", "categories")
#: Columns of the claims table (the batch engine's input).
CLAIM_COLUMNS = (
    "claim_id", "person_id", "kind", "date", "facility_id", "facility_level",
    "facility_county", "total", "in_scope", "accident",
)  # fmt: skip
#: Tiers at which care can be in-county (a facility of the person's own county).
_LOCAL_TIERS = ("village_clinic", "township", "community", "county")
#: The county of the municipal hospitals (the city seat is in Yongding District).
_MUNICIPAL_COUNTY = "yongding"

ParamValue: TypeAlias = float | dict[str, float] | dict[str, dict[str, float]]
IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]


@attrs.frozen
class PopulationParameter:
    """One parameter of the synthetic population, with where it comes from.

    Attributes:
        name: the parameter's key in ``population.yaml``.
        description: what it is (and its unit).
        reference: the sentence of the source text it comes from, or why there is none.
        value: a number, a table of numbers, or a table of tables (``poor`` / ``not_poor``).
        assumed: not stated in the source text; ``reason`` says why the value is plausible.
        reason: the reason for an assumed value.
    """

    name: str
    description: str
    reference: str
    value: ParamValue
    assumed: bool = False
    reason: str | None = None


def _number(raw: Any, r: Reader, path: str) -> float:
    value = r.number(raw, path)
    if value < 0:
        r.fail(path, "population.number", value=raw)
    return float(value)


def _value(raw: Any, r: Reader, path: str, depth: int = 0) -> Any:
    if isinstance(raw, dict):
        if depth == 2 or not raw:
            r.fail(path, "population.value")
        return {str(k): _value(v, r, f"{path}.{k}", depth + 1) for k, v in raw.items()}
    return _number(raw, r, path)


def _parse(text: str, source: str) -> dict[str, PopulationParameter]:
    """The parameters of a population file, checked with the policy loader's reader."""
    r = Reader(source)
    doc = r.mapping(read_policy_text(text, source), "", required={"format", "parameters"})
    if doc["format"] != FORMAT:
        r.fail("format", "population.format", value=doc["format"], format=FORMAT)
    if not isinstance(doc["parameters"], dict) or not doc["parameters"]:
        r.fail("parameters", "population.parameters")
    out: dict[str, PopulationParameter] = {}
    for name, raw in doc["parameters"].items():
        path = f"parameters.{name}"
        m = r.mapping(
            raw,
            path,
            required={"description", "reference", "value"},
            optional={"assumed", "reason"},
        )
        assumed = r.boolean(m["assumed"], f"{path}.assumed") if "assumed" in m else False
        reason = r.text(m["reason"], f"{path}.reason") if "reason" in m else None
        if assumed and reason is None:
            r.fail(f"{path}.reason", "policy.assumed.reason")
        out[name] = PopulationParameter(
            name, r.text(m["description"], f"{path}.description"),
            r.text(m["reference"], f"{path}.reference"),
            _value(m["value"], r, f"{path}.value"), assumed, reason,
        )  # fmt: skip
    return out


_DEFAULT: dict[str, PopulationParameter] = {}


def population_parameters(path: str | Path | None = None) -> Mapping[str, PopulationParameter]:
    """The parameters of the synthetic population: the built-in file, or a file of the same form.

    >>> params = population_parameters()
    >>> params["registered_poor"].value, params["registered_poor"].assumed
    (30362.0, False)
    >>> params["county_share"].assumed
    True
    """
    if path is not None:
        p = Path(path)
        return _parse(read_policy_file(p), p.name)
    if not _DEFAULT:
        ref = resources.files("zjj_medical") / "data" / "population.yaml"
        _DEFAULT.update(_parse(ref.read_text("utf-8"), "population.yaml"))
    return _DEFAULT


def _table(params: Mapping[str, PopulationParameter], name: str) -> dict[str, float]:
    value = params[name].value
    assert isinstance(value, dict)
    return {k: float(v) for k, v in value.items()}  # type: ignore[arg-type]


def _by_group(params: Mapping[str, PopulationParameter], name: str) -> dict[str, dict[str, float]]:
    value = params[name].value
    assert isinstance(value, dict)
    return {k: dict(v) for k, v in value.items()}  # type: ignore[arg-type]


def _scalar(params: Mapping[str, PopulationParameter], name: str) -> float:
    value = params[name].value
    assert isinstance(value, float)
    return value


def _choose(
    rng: np.random.Generator, table: Mapping[str, float], size: int
) -> npt.NDArray[np.str_]:
    keys = list(table)
    p = np.array([table[k] for k in keys], dtype=float)
    return np.asarray(keys)[rng.choice(len(keys), size=size, p=p / p.sum())]


def _choose_by_poor(
    rng: np.random.Generator, tables: Mapping[str, Mapping[str, float]], poor: BoolArray
) -> npt.NDArray[np.object_]:
    out = np.empty(len(poor), dtype=object)
    for group, mask in (("poor", poor), ("not_poor", ~poor)):
        out[mask] = _choose(rng, tables[group], int(mask.sum()))
    return out


def _people(
    rng: np.random.Generator, params: Mapping[str, PopulationParameter], n: int
) -> tuple[npt.NDArray[np.str_], BoolArray, npt.NDArray[np.object_]]:
    shares = _table(params, "county_share")
    weights = _table(params, "poor_weight")
    counties = _choose(rng, shares, n)
    base = _scalar(params, "registered_poor") / _scalar(params, "population")
    total = sum(shares[c] for c in shares)
    scale = base * total / sum(shares[c] * weights[c] for c in shares)
    p_poor = np.array([scale * weights[c] for c in counties])
    poor = rng.random(n) < p_poor
    categories = np.full(n, "", dtype=object)
    u = rng.random(n)
    cat = _by_group(params, "category_share")
    for group, mask in (("poor", poor), ("not_poor", ~poor)):
        tekun, dibao = cat[group]["tekun"], cat[group]["dibao"]
        categories[mask & (u < tekun)] = "tekun"
        categories[mask & (u >= tekun) & (u < tekun + dibao)] = "dibao"
    return counties, poor, categories


def _costs(
    rng: np.random.Generator,
    params: Mapping[str, PopulationParameter],
    kind: str,
    tiers: npt.NDArray[np.object_],
) -> tuple[IntArray, IntArray]:
    """Total and in-scope cost in whole fen, ``0 < in_scope ≤ total``."""
    n = len(tiers)
    medians = _table(params, f"{kind}_cost_median")
    median = np.array([medians[str(t)] for t in tiers])
    sigma = _scalar(params, f"{kind}_cost_sigma")
    yuan = median * np.exp(sigma * rng.standard_normal(n))
    if kind == "inpatient":
        tail = rng.random(n) < _scalar(params, "inpatient_tail_share")
        alpha = _scalar(params, "inpatient_tail_alpha")
        x_min = median * _scalar(params, "inpatient_tail_scale")
        yuan = np.where(tail, x_min * (1.0 - rng.random(n)) ** (-1.0 / alpha), yuan)
    yuan = np.clip(yuan, 1.0, _scalar(params, "cost_max"))
    total = np.rint(yuan * 100).astype(np.int64)
    means = _table(params, "in_scope_share_mean")
    mean = np.array([means[str(t)] for t in tiers])
    c = _scalar(params, "in_scope_concentration")
    share = rng.beta(mean * c, (1 - mean) * c)
    in_scope = np.floor(total * share).astype(np.int64)
    return total, in_scope


def _facilities(
    rng: np.random.Generator,
    params: Mapping[str, PopulationParameter],
    tiers: npt.NDArray[np.object_],
    home: npt.NDArray[np.object_],
    poor: BoolArray,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Facility id (or ``None``) and county (or ``None``) of each claim."""
    n = len(tiers)
    counties = list(_table(params, "county_share"))
    fac_id = np.full(n, None, dtype=object)
    fac_county = np.full(n, None, dtype=object)
    local = np.isin(tiers, _LOCAL_TIERS)
    share = _table(params, "other_county_share")
    away = local & (rng.random(n) < np.where(poor, share["poor"], share["not_poor"]))
    shift = rng.integers(1, len(counties), size=n)
    home_index = np.array([counties.index(c) for c in home], dtype=np.int64)
    other = np.asarray(counties, dtype=object)[(home_index + shift) % len(counties)]
    fac_county[local] = np.where(away, other, home)[local]
    municipal = tiers == "municipal"
    chosen = _choose(rng, _table(params, "municipal_facility_mix"), int(municipal.sum()))
    fac_id[municipal] = [None if c == "other" else str(c) for c in chosen]
    fac_county[municipal] = _MUNICIPAL_COUNTY
    return fac_id, fac_county


def synthetic_population(
    n_people: int, *, seed: int, year: int = 2019
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw ``n_people`` persons and their claims of ``year``: ``(people, claims)``.

    people: ``person_id``, ``poor`` (建档立卡贫困人口), ``county`` (yongding, wulingyuan, cili,
    sangzhi), ``categories`` (``""``, ``"dibao"`` 低保 or ``"tekun"`` 特困).

    claims, sorted by date and numbered in that order: ``claim_id``, ``person_id``, ``kind``
    (inpatient / outpatient), ``date`` (``datetime.date`` within the year), ``facility_id``
    (one of the two designated municipal hospitals, else ``None``), ``facility_level``,
    ``facility_county`` (``None`` for provincial hospitals), ``total`` and ``in_scope``
    (``Decimal`` yuan with two places, drawn in whole fen), ``accident``.

    How (parameters in ``data/population.yaml``): county by ``county_share``; registered poor
    with a county share proportional to ``poor_weight`` and city-wide share 30362 / 1720000;
    admissions and visits Poisson with a Gamma frailty per person (rates higher for the poor);
    tier by ``*_tier_mix``; a local-tier claim is at another county's facility with
    ``other_county_share``; a municipal claim is at a designated hospital by
    ``municipal_facility_mix``; costs lognormal by tier, admissions with a Pareto tail;
    in-scope share Beta by tier; accidents among admissions by ``accident_share``.

    >>> people, claims = synthetic_population(1000, seed=1)
    >>> sorted(set(claims["kind"]))
    ['inpatient', 'outpatient']
    >>> claims["date"].min().year, claims["date"].max().year
    (2019, 2019)
    """
    if n_people < 0:
        raise problem(ValueError, "population.n_people", value=n_people)
    params = population_parameters()
    rng = np.random.default_rng(seed)
    counties, poor, categories = _people(rng, params, n_people)
    frailty_k = _scalar(params, "use_dispersion")
    frailty = rng.gamma(frailty_k, 1.0 / frailty_k, size=n_people)
    parts = []
    for kind in ("inpatient", "outpatient"):
        rate = _table(params, "admission_rate" if kind == "inpatient" else "outpatient_rate")
        counts = rng.poisson(np.where(poor, rate["poor"], rate["not_poor"]) * frailty)
        who = np.repeat(np.arange(n_people), counts)
        p = poor[who]
        tiers = _choose_by_poor(rng, _by_group(params, f"{kind}_tier_mix"), p)
        fac_id, fac_county = _facilities(rng, params, tiers, counties[who].astype(object), p)
        total, in_scope = _costs(rng, params, kind, tiers)
        accident = (
            rng.random(len(who)) < _scalar(params, "accident_share")
            if kind == "inpatient"
            else np.zeros(len(who), dtype=bool)
        )
        parts.append(
            pd.DataFrame(
                {
                    "who": who,
                    "kind": kind,
                    "facility_id": fac_id,
                    "facility_level": tiers,
                    "facility_county": fac_county,
                    "total": total,
                    "in_scope": in_scope,
                    "accident": accident,
                }
            )
        )
    claims = pd.concat(parts, ignore_index=True)
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    claims["day"] = rng.integers(0, days, size=len(claims))
    claims = claims.sort_values(["day", "who", "kind"], kind="stable").reset_index(drop=True)
    start = dt.date(year, 1, 1)
    person_ids = _ids("P", n_people)
    claims.insert(0, "claim_id", _ids("C", len(claims)))
    claims.insert(1, "person_id", person_ids[claims["who"].to_numpy()])
    calendar = np.array([start + dt.timedelta(days=d) for d in range(days)], dtype=object)
    claims.insert(3, "date", calendar[claims["day"].to_numpy()])
    for column in ("total", "in_scope"):
        claims[column] = _yuan(claims[column].to_numpy())
    people = pd.DataFrame(
        {
            "person_id": person_ids,
            "poor": poor,
            "county": counties.astype(object),
            "categories": categories,
        }
    )
    return people, claims[list(CLAIM_COLUMNS)]


def _ids(prefix: str, n: int) -> npt.NDArray[np.object_]:
    width = max(7, len(str(max(n - 1, 0))))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(n)], dtype=object)


def _yuan(fen: IntArray) -> npt.NDArray[np.object_]:
    """Whole fen to exact ``Decimal`` yuan with two places (``12345`` → ``Decimal('123.45')``)."""
    return np.array([yuan(int(f)) for f in fen], dtype=object)
