"""The analyst's tools over batch results: synthetic populations, summaries and targets,
reforms and their comparison, figures."""

from zjj_medical.analysis.metrics import Summary, summarize
from zjj_medical.analysis.population import synthetic_population
from zjj_medical.analysis.reform import Comparison, Reform, apply_reform, compare, load_reform

__all__ = [
    "Comparison",
    "Reform",
    "Summary",
    "apply_reform",
    "compare",
    "load_reform",
    "summarize",
    "synthetic_population",
]
