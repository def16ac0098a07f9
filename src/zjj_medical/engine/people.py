"""Persons and facilities: the inputs that say who is treated where."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

import attrs

from zjj_medical.errors import InvalidClaim

#: A lone surrogate: text holding one is not a sequence of Unicode scalar values.
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_id(value: object) -> bool:
    """Whether ``value`` is an id: a non-empty text of Unicode scalar values (no lone
    surrogate such as ``"\\ud800"``, which no file or terminal can hold)."""
    return isinstance(value, str) and bool(value) and _SURROGATE.search(value) is None


def shown(value: object) -> object:
    """``value`` for an error's params: text with its lone surrogates written as escapes."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


__all__ = ["Attributes", "Facility", "Person", "is_id", "shown"]


class Attributes(Mapping[str, str | bool]):
    """The policy attributes of a person or a claim: an immutable mapping, equal by content
    and hashable, so two claims that differ only in an attribute compare unequal.

    >>> a = Attributes({"referral": "filed"})
    >>> a == {"referral": "filed"}, a == Attributes({"referral": "none"}), len({a, Attributes(a)})
    (True, False, 1)
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str | bool] | None = None) -> None:
        self._items: dict[str, str | bool] = dict(items or {})

    def __getitem__(self, key: str) -> str | bool:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self._items == dict(other.items())

    def __repr__(self) -> str:
        return f"Attributes({self._items!r})"


def _tuple_of_str(value: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@attrs.frozen
class Person:
    """An insured person.

    Attributes:
        id: the person's id.
        poor: a registered poor person (建档立卡贫困人口).
        county: the person's county id (``sangzhi``) or its Chinese name (桑植县).
        categories: further categories the policy declares (特困, 低保 …).
        attributes: attributes the policy names (``scheme``, ``retiree`` …), kept as an
            immutable :class:`Attributes`; equality sees them. An attribute the policy
            does not declare is refused at settlement.

    >>> Person("P1", poor=True, county="桑植县").county
    '桑植县'
    """

    id: str
    poor: bool
    county: str
    categories: tuple[str, ...] = attrs.field(default=(), converter=_tuple_of_str)
    attributes: Attributes = attrs.field(factory=Attributes, converter=Attributes)

    def __attrs_post_init__(self) -> None:
        if not is_id(self.id):
            raise InvalidClaim(
                code="person.id.text", params={"value": shown(self.id)}, field="person.id"
            )
        if not isinstance(self.poor, bool):
            raise InvalidClaim(
                code="person.poor.bool", params={"person_id": self.id, "value": self.poor},
                field="person.poor",
            )  # fmt: skip


@attrs.frozen
class Facility:
    """Where care was given.

    Attributes:
        id: a facility id the policy may know (e.g. ``zjj-peoples-hospital``), or ``None``;
            an id is a non-empty text.
        level: the facility's tier id (``county``) or Chinese name (县级医院); may be
            ``None`` when ``id`` names a facility the policy declares.
        county: the facility's county (needed for the in-county rule at the policy's
            in-county tiers).
    """

    id: str | None = None
    level: str | None = None
    county: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.id is not None and not is_id(self.id):
            raise InvalidClaim(
                code="facility.id.text", params={"value": shown(self.id)}, field="facility.id"
            )
