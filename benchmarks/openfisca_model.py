# ruff: noqa: N801, N805  (OpenFisca: a variable is named by its class; formulas take the entity)
"""The built-in 2019 Zhangjiajie policy's main layers as a small OpenFisca model.

A yardstick for ``bench_openfisca.py``, not a second implementation: one entity, ``claim``
(no persons, so no accumulation over a person's year — each claim is settled as if it
were its person's only one), money in float32 yuan as OpenFisca computes it. The numbers
are those of ``src/zjj_medical/data/policies/zhangjiajie.yaml`` in force on 2019-11-01,
kept here as OpenFisca parameters (``PARAMETERS``):

* basic insurance (基本医疗保险): (in_scope − deductible by level; waived for the poor) ×
  ratio by level (+ 0.10 for the poor, at most 1), capped at 150,000;
* critical illness (大病保险): four bands (60 / 65 / 75 / 85 %, + 5 % for the poor) on what
  basic insurance left above the deductible (10,000; halved for the poor), capped at
  300,000 (no cap for the poor from 2019-10-01) — per claim here, not over the year;
* fiscal backstop (财政兜底): the registered poor's in-county inpatient claim topped up to
  85 % of its total cost;
* outpatient pooling (门诊统筹): 70 % of in-scope cost at village, township and community
  facilities from 2019-09-01, capped at 350 — per claim here, not over the year.

The three safety-net layers whose rate the source does not state are 0 in the built-in
policy, and left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import MONTH
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

PERIOD = "2019-11"  # parameters are read at 2019-11-01


def _v(values: dict[str, object]) -> dict[str, object]:
    """An OpenFisca parameter: its values by the date they take effect."""
    return {"values": values}


def _by_level(values: dict[str, float]) -> dict[str, object]:
    return {level: _v({"2019-01-01": value}) for level, value in values.items()}


def _bands(bands: list[tuple[float, float]]) -> dict[str, object]:
    """A marginal scale: (threshold above the deductible, rate) from 2019-01-01."""
    return {
        "brackets": [
            {"threshold": {"2019-01-01": {"value": t}}, "rate": {"2019-01-01": {"value": r}}}
            for t, r in bands
        ]
    }


# Levels: village_clinic, township, community, county, municipal, provincial (the tiers).
PARAMETERS = {
    "basic_insurance": {
        "deductible": _by_level({"village_clinic": 0, "township": 200, "community": 200,
                                 "county": 500, "municipal": 1000, "provincial": 1500}),
        "ratio": _by_level({"village_clinic": 0, "township": 1.00, "community": 1.00,
                            "county": 0.75, "municipal": 0.65, "provincial": 0.55}),
        "poor_ratio_uplift": _v({"2019-01-01": 0.10}),
        "cap": _v({"2019-01-01": 150_000}),
    },
    "critical_illness": {
        "deductible": _v({"2019-01-01": 10_000}),
        "poor_deductible_factor": _v({"2019-01-01": 0.5}),
        "poor_rate_uplift": _v({"2019-01-01": 0.05}),
        "bands": _bands([(0, 0.60), (30_000, 0.65), (80_000, 0.75), (150_000, 0.85)]),
        "cap": _v({"2019-01-01": 300_000}),
        "poor_cap_lifted": _v({"2019-01-01": False, "2019-10-01": True}),
    },
    "fiscal_backstop": {"target": _v({"2019-01-01": 0.85})},
    "outpatient_pooling": {
        "in_force": _v({"2019-01-01": False, "2019-09-01": True}),
        "ratio": _v({"2019-09-01": 0.70}),
        "cap": _v({"2019-09-01": 350}),
    },
}  # fmt: skip

Claim = build_entity(
    key="claim", plural="claims", label="A claim (no persons: no accumulation)", is_person=True
)


class FacilityLevel(Enum):
    village_clinic = "村卫生室"
    township = "乡镇卫生院"
    community = "社区卫生服务中心"
    county = "县级医院"
    municipal = "市级医院"
    provincial = "省级医院"


class total(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = float
    label = "Total cost (医疗费总额), yuan"


class in_scope(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = float
    label = "In-scope cost (政策范围内费用), yuan"


class facility_level(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = Enum
    possible_values = FacilityLevel
    default_value = FacilityLevel.county
    label = "Facility level"


class inpatient(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = bool
    label = "Inpatient claim (住院)"


class poor(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = bool
    label = "Registered poor (建档立卡贫困人口)"


class in_county(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = bool
    label = "Treated in-county (县域内)"


class basic_insurance(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = float
    label = "基本医疗保险"

    def formula(claim, period, parameters):  # type: ignore[no-untyped-def]
        p = parameters(period).basic_insurance
        level = claim("facility_level", period)
        is_poor = claim("poor", period)
        deductible = np.where(is_poor, 0, p.deductible[level])
        ratio = np.minimum(p.ratio[level] + p.poor_ratio_uplift * is_poor, 1)
        paid = np.maximum(claim("in_scope", period) - deductible, 0) * ratio
        return np.minimum(paid, p.cap) * claim("inpatient", period)


class critical_illness(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = float
    label = "大病保险"

    def formula(claim, period, parameters):  # type: ignore[no-untyped-def]
        p = parameters(period).critical_illness
        is_poor = claim("poor", period)
        basic = claim("basic_insurance", period)
        left = np.maximum(claim("in_scope", period) - basic, 0)
        deductible = p.deductible * np.where(is_poor, p.poor_deductible_factor, 1)
        above = np.maximum(left - deductible, 0)
        paid = p.bands.calc(above) + p.poor_rate_uplift * is_poor * above
        capped = np.where(is_poor & p.poor_cap_lifted, paid, np.minimum(paid, p.cap))
        room = claim("total", period) - basic
        return np.minimum(capped, room) * claim("inpatient", period)


class fiscal_backstop(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = float
    label = "财政兜底"

    def formula(claim, period, parameters):  # type: ignore[no-untyped-def]
        target = parameters(period).fiscal_backstop.target
        cost = claim("total", period)
        paid = claim("basic_insurance", period) + claim("critical_illness", period)
        eligible = claim("poor", period) * claim("in_county", period) * claim("inpatient", period)
        return np.clip(cost * target - paid, 0, np.maximum(cost - paid, 0)) * eligible


class outpatient_pooling(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = float
    label = "门诊统筹"

    def formula(claim, period, parameters):  # type: ignore[no-untyped-def]
        p = parameters(period).outpatient_pooling
        level = claim("facility_level", period)
        primary = (
            (level == FacilityLevel.village_clinic)
            + (level == FacilityLevel.township)
            + (level == FacilityLevel.community)
        )
        paid = np.minimum(claim("in_scope", period) * p.ratio, p.cap)
        return paid * primary * np.logical_not(claim("inpatient", period)) * p.in_force


class reimbursed(Variable):
    entity = Claim
    definition_period = MONTH
    value_type = float
    label = "Reimbursed in all"

    def formula(claim, period, parameters):  # type: ignore[no-untyped-def]
        return (
            claim("basic_insurance", period)
            + claim("critical_illness", period)
            + claim("fiscal_backstop", period)
            + claim("outpatient_pooling", period)
        )


INPUTS = ("total", "in_scope", "facility_level", "inpatient", "poor", "in_county")
OUTPUTS = ("basic_insurance", "critical_illness", "fiscal_backstop", "outpatient_pooling", "reimbursed")  # fmt: skip
LEVELS = pd.Index([level.name for level in FacilityLevel])
DESIGNATED = {"yongding", "wulingyuan"}  # counties.*.designated_in_county
DESIGNATED_FACILITIES = ["zjj-peoples-hospital", "zjj-tcm-hospital"]


def tax_benefit_system() -> TaxBenefitSystem:
    """The model: the ``claim`` entity, its variables and ``PARAMETERS``."""
    tbs = TaxBenefitSystem([Claim])
    tbs.parameters = ParameterNode("", data=PARAMETERS)
    for var in (total, in_scope, facility_level, inpatient, poor, in_county, basic_insurance,
                critical_illness, fiscal_backstop, outpatient_pooling, reimbursed):  # fmt: skip
        tbs.add_variable(var)
    return tbs


def inputs(claims: pd.DataFrame, people: pd.DataFrame) -> dict[str, np.ndarray]:
    """The model's input arrays from the claims and people tables (the columns of ``simulate``).

    The person's columns are joined in pandas (the model has no persons); in-county is a
    facility of the person's county at a level up to county, or a designated municipal
    hospital of 永定区 / 武陵源区.
    """
    at = pd.Index(people["person_id"]).get_indexer(claims["person_id"])
    county = people["county"].to_numpy()[at]
    level = LEVELS.get_indexer(claims["facility_level"])
    designated = claims["facility_id"].isin(DESIGNATED_FACILITIES).to_numpy() & np.isin(
        county, list(DESIGNATED)
    )
    own = (level <= 3) & (claims["facility_county"].to_numpy() == county)
    return {
        "total": claims["total"].to_numpy(np.float32),
        "in_scope": claims["in_scope"].to_numpy(np.float32),
        "facility_level": level.astype(np.int16),
        "inpatient": (claims["kind"] == "inpatient").to_numpy(),
        "poor": people["poor"].to_numpy(bool)[at],
        "in_county": own | designated,
    }


def calculate(tbs: TaxBenefitSystem, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Build a simulation of ``len(arrays["total"])`` claims, set the inputs, compute the layers."""
    sim = SimulationBuilder().build_default_simulation(tbs, count=len(arrays["total"]))
    for name, values in arrays.items():
        if name == "facility_level":
            values = FacilityLevel.encode(values)
        sim.set_input(name, PERIOD, values)
    return {name: sim.calculate(name, PERIOD) for name in OUTPUTS}
