"""Payer layers. A layer is data (:class:`~zjj_medical.policy.model.PolicyLayer`); its
``type`` picks the rule that pays it:

* ``schedule`` — :func:`~zjj_medical.engine.layers.schedule.settle_schedule`: basic insurance,
  critical illness, outpatient pooling, the configurable safety-net layers;
* ``target`` — :func:`~zjj_medical.engine.layers.target.settle_target`: the fiscal backstop.

Every rule has the signature ``(layer, resolved, ctx) -> LayerOutcome``.
"""

from collections.abc import Callable

from zjj_medical.engine.layers.context import ClaimContext, LayerOutcome
from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.engine.layers.schedule import settle_schedule
from zjj_medical.engine.layers.target import settle_target
from zjj_medical.policy.model import PolicyLayer

__all__ = ["RULES", "LayerRule"]

LayerRule = Callable[[PolicyLayer, Resolved, ClaimContext], LayerOutcome]
#: The rule for each layer type.
RULES: dict[str, LayerRule] = {"schedule": settle_schedule, "target": settle_target}
