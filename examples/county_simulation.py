"""A county simulation and a reform, notebook style (cells marked ``# %%``).

Run it as a script (``python examples/county_simulation.py``) or cell by cell in an
editor that understands ``# %%`` cells (VS Code, Spyder, Jupytext). Environment
variables size it: ``ZJJ_PEOPLE`` (persons, default 20000), ``ZJJ_SEED`` (default 1),
``ZJJ_PLOTS`` (directory for the PNG figures, default ``plots``).
"""

# %% [markdown]
# # Zhangjiajie 2019: a synthetic county year, the targets, and a reform
#
# We draw a synthetic population of the four counties (永定区, 武陵源区, 慈利县, 桑植县)
# with their claims for 2019, settle every claim under the built-in policy
# `zhangjiajie` (basic insurance, critical illness, the safety net and the fiscal
# backstop's 85% target for the registered poor), read the targets off the result, and
# compare a reform: county hospitals at 80% instead of 75%.

# %%
import os
from pathlib import Path

import pandas as pd

from zjj_medical import load_policy
from zjj_medical.analysis.metrics import summarize
from zjj_medical.analysis.plots import (
    curve_figure,
    fund_cost_figure,
    out_of_pocket_figure,
    save_figures,
)
from zjj_medical.analysis.population import population_parameters, synthetic_population
from zjj_medical.analysis.reform import compare, load_reform
from zjj_medical.batch import simulate

N_PEOPLE = int(os.environ.get("ZJJ_PEOPLE", "20000"))
SEED = int(os.environ.get("ZJJ_SEED", "1"))
PLOTS = Path(os.environ.get("ZJJ_PLOTS", "plots"))
pd.set_option("display.width", 120)

# %% [markdown]
# ## The population
# Every parameter of the draw carries its source; those the text does not state are
# marked assumed.

# %%
params = population_parameters()
for name in ("registered_poor", "county_share", "admission_rate"):
    p = params[name]
    print(f"{name}: {p.value} ({'assumed' if p.assumed else 'source: ' + p.reference[:40]})")

people, claims = synthetic_population(N_PEOPLE, seed=SEED)
print(
    f"{len(people):,} persons, {int(people['poor'].sum()):,} registered poor, {len(claims):,} claims"
)
print(claims.head())

# %% [markdown]
# ## Settle the year under the built-in policy

# %%
policy = load_policy("zhangjiajie")
result = simulate(claims, people, policy=policy, money="fen")
summary = summarize(result, people, claims=claims, policy=policy)
print(summary.totals)
print(summary.fund_cost)

# %% [markdown]
# ## The registered poor's targets (县域内就诊率, 县域内住院实际报销比例 ≥ 85%)

# %%
print(summary.poor)
print(summary.out_of_pocket)
print(summary.catastrophic)

# %% [markdown]
# ## A reform: county hospitals at 80%

# %%
reform_file = Path(__file__).resolve().parent / "reforms" / "county_ratio_080.yaml"
reform = load_reform(reform_file)
comparison = compare(claims, people, "zhangjiajie", reform)
print(reform.name)
print(comparison.layers)
print(comparison.totals[["reimbursed_change", "out_of_pocket_change"]])
print(comparison.persons)

# %% [markdown]
# Who is worse off? Raising basic insurance on an in-county admission of a poor person
# can shrink the critical-illness base they carry into a later out-of-county admission.

# %%
worse = comparison.per_person[comparison.per_person["change"] > 0]
print(worse.head())

# %% [markdown]
# ## Figures

# %%
paths = save_figures(
    {
        "curve": curve_figure(policy),
        "fund_cost": fund_cost_figure(comparison),
        "out_of_pocket": out_of_pocket_figure(comparison),
    },
    PLOTS,
)
print("saved:", ", ".join(str(p) for p in paths))
