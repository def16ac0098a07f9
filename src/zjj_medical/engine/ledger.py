"""The annual ledger: what a person's year of claims has used so far.

Per layer it holds the cumulative base (``A``), the amount paid, the deductibles
borne and the number of claims counted per tier (for repeat-admission
deductibles), plus the ids of the claims settled, in order. Ledgers are
immutable: settling returns a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from zjj_medical.errors import LedgerMismatch, problem_of
from zjj_medical.money import ZERO, format_money, parse_money

__all__ = ["LayerState", "Ledger"]


def _counts(value: Mapping[str, int] | None) -> Mapping[str, int]:
    return MappingProxyType(dict(value or {}))


@attrs.frozen
class LayerState:
    """One layer's accumulators for a person-year."""

    base: Decimal = ZERO
    paid: Decimal = ZERO
    deductible: Decimal = ZERO
    claims: Mapping[str, int] = attrs.field(factory=dict, converter=_counts)

    def after_claim(
        self, *, base: Decimal, paid: Decimal, tier: str, deductible: Decimal = ZERO
    ) -> LayerState:
        """The accumulators once a claim at ``tier`` added ``base``, ``paid`` and ``deductible``."""
        claims = dict(self.claims)
        claims[tier] = claims.get(tier, 0) + 1
        return LayerState(self.base + base, self.paid + paid, self.deductible + deductible, claims)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: money as two-decimal strings, claim counts per tier."""
        return {
            "base": format_money(self.base),
            "paid": format_money(self.paid),
            "deductible": format_money(self.deductible),
            "claims": dict(sorted(self.claims.items())),
        }


_EMPTY = LayerState()


def _layers(value: Mapping[str, LayerState] | None) -> Mapping[str, LayerState]:
    return MappingProxyType(dict(value or {}))


@attrs.frozen
class Ledger:
    """A person-year's accumulators.

    >>> Ledger.empty("P1", 2019).to_dict()
    {'person_id': 'P1', 'year': 2019, 'claim_ids': [], 'layers': {}}
    """

    person_id: str
    year: int
    claim_ids: tuple[str, ...] = ()
    layers: Mapping[str, LayerState] = attrs.field(factory=dict, converter=_layers)

    @classmethod
    def empty(cls, person_id: str, year: int) -> Ledger:
        """A ledger with nothing settled yet."""
        return cls(person_id, year)

    def state(self, layer_id: str) -> LayerState:
        """The accumulators of a layer (zeros when it has paid nothing this year)."""
        return self.layers.get(layer_id, _EMPTY)

    def paid(self, layer_id: str) -> Decimal:
        """What a layer has paid this person-year."""
        return self.state(layer_id).paid

    def to_dict(self) -> dict[str, Any]:
        """The ledger as JSON-ready data (the JSON contract's ``ledger``)."""
        return {
            "person_id": self.person_id,
            "year": self.year,
            "claim_ids": list(self.claim_ids),
            "layers": {k: v.to_dict() for k, v in self.layers.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ledger:
        """Read a ledger written by :meth:`to_dict`; malformed input raises ``LedgerMismatch``."""

        def fail(path: str, code: str, **params: object) -> LedgerMismatch:
            return LedgerMismatch(code=code, params=params, field="ledger", path=path)

        try:
            if set(data) != {"person_id", "year", "claim_ids", "layers"}:
                raise fail("ledger", "ledger.keys", keys=sorted(data))
            year = data["year"]
            if isinstance(year, bool) or not isinstance(year, int):
                raise fail("ledger.year", "ledger.year", value=year)
            layers = {}
            for layer_id, s in data["layers"].items():
                if set(s) != {"base", "paid", "deductible", "claims"}:
                    raise fail(
                        f"ledger.layers.{layer_id}", "ledger.layer.keys",
                        layer=layer_id, keys=sorted(s),
                    )  # fmt: skip
                for key, v in s["claims"].items():  # an int: no bool, float or text read as one
                    if isinstance(v, bool) or not isinstance(v, int):
                        raise fail(
                            f"ledger.layers.{layer_id}.claims.{key}", "ledger.layer.count.type",
                            layer=layer_id, key=key, value=v,
                        )  # fmt: skip
                counts = {str(k): v for k, v in s["claims"].items()}
                if any(v < 0 for v in counts.values()):
                    raise fail(
                        f"ledger.layers.{layer_id}.claims", "ledger.layer.count", layer=layer_id
                    )
                layers[str(layer_id)] = LayerState(
                    # running sums of a year: they may pass the maximum of one amount
                    parse_money(s["base"], f"layers.{layer_id}.base", maximum=None),
                    parse_money(s["paid"], f"layers.{layer_id}.paid", maximum=None),
                    parse_money(s["deductible"], f"layers.{layer_id}.deductible", maximum=None),
                    counts,
                )
            ids = data["claim_ids"]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise fail("ledger.claim_ids", "ledger.claim_ids")
            return cls(str(data["person_id"]), year, tuple(ids), layers)
        except LedgerMismatch:
            raise
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            found = problem_of(exc)
            if found is None:  # a shape the checks above do not name: Python's own words
                raise fail("ledger", "ledger.malformed", detail=str(exc)) from None
            code, params = found
            raise fail(f"ledger.{params['what']}", "ledger." + code, **params) from None
