"""Notes for the analyst: why a layer pays nothing, why a person is worse off under a reform.

A safety-net layer whose rate the source text does not state is kept in the built-in policy
with a ratio of 0 marked ``assumed`` (interpretation I-5). Its column is then 0.00
everywhere; :func:`assumed_zero_layers` finds such layers so that summaries, figures and
the settlement sheet can say why, instead of leaving a row of zeros unexplained.

The words live in :data:`NOTES` (one place, keyed by what they say), the documentation
pages they point to in :data:`DOCS`.

>>> from zjj_medical import load_policy
>>> sorted(assumed_zero_layers(load_policy("zhangjiajie")))
['hospital_reduction', 'medical_assistance', 'special_poverty_insurance']
>>> assumed_zero_layers(load_policy("example_county"))
{}
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from zjj_medical.i18n import N_, gettext, policy_text
from zjj_medical.policy.model import Param, Policy

__all__ = ["DOCS", "NOTES", "assumed_zero_layers", "is_assumed_zero", "note"]

#: Documentation pages (relative to the site's root) that work a case through.
DOCS: dict[str, str] = {
    "zero_rate": "explanation/interpretations/#i-5-safety-net-rates",
    "worse_off": "how-to/reform-notebook/#who-is-worse-off",
}

#: The analyst-facing notes, in English (translated when shown); each may read ``{reason}`` and ``{docs}``.
NOTES: dict[str, str] = {
    "zero_rate": N_(
        "rate assumed 0 ({reason}): pays nothing until the policy file gives it a rate"
    ),
    "zero_rate.short": N_("rate assumed 0"),
    "zero_rate.sheet": N_("比例未列明，按 0 计 rate not stated, assumed 0: {layers}"),
    "worse_off.critical_illness": N_(
        "pays more out of pocket because critical-illness insurance paid less: the reform "
        "left a smaller in-scope remainder on the year's base, so less of a later claim is "
        "above the deductible or in a higher band (see {docs})"
    ),
    "worse_off.other": N_("pays more out of pocket under the reform (see {docs})"),
    "worse_off.title": N_("Worse off under the reform"),
    "worse_off.none": N_("Nobody is worse off under the reform."),
}


def note(key: str, **params: object) -> str:
    """A note of :data:`NOTES` filled in; ``{docs}`` is the page :data:`DOCS` names for it.

    >>> note("zero_rate.short")
    'rate assumed 0'
    """
    topic = key.split(".")[0]
    if isinstance(params.get("reason"), str):  # a built-in policy's reason, in the language
        params["reason"] = policy_text(str(params["reason"]))
    return gettext(NOTES[key]).format(docs=DOCS.get(topic, ""), **params)


def _all_zero(value: object) -> bool:
    if isinstance(value, Mapping):
        return all(_all_zero(v) for v in value.values())
    return isinstance(value, Decimal) and value == 0


def is_assumed_zero(param: Param | None) -> bool:
    """The parameter is assumed (not stated by the source) and 0 on every date, unmodified.

    >>> is_assumed_zero(None)
    False
    """
    if param is None or not param.assumed or param.modifiers:
        return False
    return all(_all_zero(value) for _, value in param.values)


def assumed_zero_layers(policy: Policy) -> dict[str, str]:
    """Layer id → reason, for each layer that pays nothing because its rate is assumed 0.

    A layer counts when its ratio is assumed and 0 on every date, without modifiers (a
    layer with bands or a target has a rate the file states).
    """
    out: dict[str, str] = {}
    for layer in policy.layers:
        if layer.bands is None and layer.target is None and is_assumed_zero(layer.ratio):
            assert layer.ratio is not None
            out[layer.id] = " ".join((layer.ratio.reason or "").split())
    return out
