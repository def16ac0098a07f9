"""Error messages: one catalog of templates per language, keyed by the error's code.

An error is data — a dotted ``code`` (``claim.facility.level.unknown``) and its
``params`` (the bad value, the accepted values, the limits …). Words come last:
:func:`render` looks the code's template up in the catalog of the language asked for
and fills it in. The English catalog is :data:`zjj_medical.messages.en.MESSAGES`;
another language is one more mapping ``{code: template}`` added to :data:`CATALOGS`
(a code missing from it falls back to English).

Templates use :meth:`str.format` fields: ``{value}`` is the parameter as text,
``{value!r}`` as Python writes it (``'clinic'`` with quotes).

>>> render("claim.facility.level.unknown",
...        {"claim_id": "C1", "value": "clinic", "accepted": ["county", "township"]})
"claim C1: facility.level: unknown facility level 'clinic' (accepted: county, township)"
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from zjj_medical.messages import en

__all__ = ["CATALOGS", "Shown", "render", "shown", "template_fields"]

#: The catalogs by language tag: ``{code: template}``.
CATALOGS: dict[str, Mapping[str, str]] = {"en": en.MESSAGES}


class Shown(str):
    """A parameter that is not JSON data (a ``Decimal``, an object …) kept as its text.

    It *is* its ``str()`` (so it goes into JSON as text) and remembers its ``repr()``,
    so a template's ``{value!r}`` writes it as Python did (``Decimal('0.005')``).
    """

    __slots__ = ("_repr",)
    _repr: str

    def __new__(cls, value: object) -> Shown:
        self = super().__new__(cls, str(value))
        self._repr = repr(value)
        return self

    def __repr__(self) -> str:
        return self._repr


def shown(value: object) -> object:
    """``value`` as a JSON-ready parameter: JSON data as it is, anything else :class:`Shown`.

    >>> from decimal import Decimal
    >>> shown("x"), shown([1, 2]), str(shown(Decimal("0.005"))), repr(shown(Decimal("0.005")))
    ('x', [1, 2], '0.005', "Decimal('0.005')")
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple) and all(
        v is None or isinstance(v, str | bool | int | float) for v in value
    ):
        return Shown(value) if isinstance(value, tuple) else list(value)
    return Shown(value)


class _Formatter(string.Formatter):
    """``str.format`` where a list parameter is written as its items joined by ``, ``
    (format spec ``or_none``: ``none`` when empty; ``py``: as Python writes the list)
    and a nested ``{"code", "params"}`` is rendered in turn."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Mapping) and "code" in value:
            return render(str(value["code"]), value.get("params", {}), self.lang)
        if isinstance(value, list):
            if format_spec == "py":
                return str(value)
            joined = ", ".join(str(v) for v in value)
            return (joined or "none") if format_spec == "or_none" else joined
        return str(super().format_field(value, format_spec))


def render(code: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """The message of an error ``code`` with its ``params``, in ``lang`` (English by default).

    >>> render("policy.ratio.range", {"source": "p.yaml", "path": "layers[0].ratio", "value": "1.2"})
    'p.yaml: layers[0].ratio: 1.2 is not in [0, 1]'
    """
    catalog = CATALOGS.get(lang, en.MESSAGES)
    template = catalog.get(code) or en.MESSAGES[code]
    return _Formatter(lang).vformat(template, (), dict(params))


def template_fields(template: str) -> set[str]:
    """The parameter names a template reads (``{value!r}`` reads ``value``).

    >>> sorted(template_fields("{source}: {path}: {value!r} is not {accepted:or_none}"))
    ['accepted', 'path', 'source', 'value']
    """
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }
