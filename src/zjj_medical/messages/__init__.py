"""Error messages: one catalog of templates per language, keyed by the error's code.

An error is data — a dotted ``code`` (``claim.facility.level.unknown``) and its
``params`` (the bad value, the accepted values, the limits …). Words come last:
:func:`render` looks the code's template up in the catalog of the language asked for
and fills it in. The English catalog is :data:`zjj_medical.messages.en.MESSAGES`;
another language is one more mapping ``{code: template}`` added to :data:`CATALOGS`
(a code missing from it falls back to English), with its word for "none" in :data:`NONE`.

Templates use :meth:`str.format` fields: ``{value}`` is the parameter as text,
``{value!r}`` as Python writes it (``'clinic'`` with quotes; see :func:`jsonable`); a list
is written as its items joined by ``, ``.

>>> render("claim.facility.level.unknown",
...        {"claim_id": "C1", "value": "clinic", "accepted": ["county", "township"]})
"claim C1: facility.level: unknown facility level 'clinic' (accepted: county, township)"
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from typing import Any

from zjj_medical.messages import en

__all__ = ["CATALOGS", "NONE", "jsonable", "render", "template_fields"]

#: The catalogs by language tag: ``{code: template}``.
CATALOGS: dict[str, Mapping[str, str]] = {"en": en.MESSAGES}
#: The word for an empty list of accepted values (``{accepted:or_none}``), by language tag.
NONE: dict[str, str] = {"en": "none"}


_JSON = (str, int, float, bool, type(None))


def jsonable(params: Mapping[str, object]) -> dict[str, Any]:
    """Params as JSON data: a value that is not JSON (a ``Decimal``, a numpy number, an
    object) becomes its text, and ``<name>_repr`` keeps how Python writes it, so a
    template's ``{name!r}`` renders the same from the JSON as from the error.

    >>> from decimal import Decimal
    >>> jsonable({"value": Decimal("0.005"), "what": "total", "keys": ("a", "b")})
    {'value': '0.005', 'value_repr': "Decimal('0.005')", 'what': 'total', 'keys': ['a', 'b']}
    """
    out: dict[str, Any] = {}
    for key, value in params.items():
        if type(value) in _JSON:
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = [v if type(v) in _JSON else str(v) for v in value]
        else:
            out[key] = str(value)
            out[f"{key}_repr"] = repr(value)
    return out


@functools.lru_cache(maxsize=1024)
def _parsed(template: str) -> tuple[tuple[str, str | None, str, str | None], ...]:
    """A template cut into (literal text, field, format spec, conversion), once."""
    return tuple(
        (literal, name, spec or "", conversion)
        for literal, name, spec, conversion in string.Formatter().parse(template)
    )


def _field(value: Any, spec: str, lang: str) -> str:
    """One field: a list as its items joined by ``, `` (spec ``or_none``: the language's
    word for none when empty; ``py``: as Python writes the list), else ``format``."""
    if isinstance(value, list):
        if spec == "py":
            return str(value)
        joined = ", ".join(str(v) for v in value)
        if spec == "or_none" and not joined:
            return NONE.get(lang, NONE["en"])
        return joined
    return format(value, spec)


def render(code: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """The message of an error ``code`` with its ``params``, in ``lang`` (English by default).

    ``{name!r}`` writes ``params[name + "_repr"]`` when there is one (see :func:`jsonable`).

    >>> render("policy.ratio.range", {"source": "p.yaml", "path": "layers[0].ratio", "value": "1.2"})
    'p.yaml: layers[0].ratio: 1.2 is not in [0, 1]'
    """
    catalog = CATALOGS.get(lang, en.MESSAGES)
    template = catalog.get(code) or en.MESSAGES[code]
    out = []
    for literal, name, spec, conversion in _parsed(template):
        out.append(literal)
        if name is None:
            continue
        if conversion == "r":
            shown = params.get(f"{name}_repr")
            out.append(format(shown if shown is not None else repr(params[name]), spec))
        elif conversion == "s":
            out.append(format(str(params[name]), spec))
        else:
            out.append(_field(params[name], spec, lang))
    return "".join(out)


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
