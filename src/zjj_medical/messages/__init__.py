"""Error messages: templates keyed by the error's code, in Chinese and English.

An error is data — a dotted ``code`` (``claim.facility.level.unknown``) and its
``params`` (the bad value, the accepted values, the limits …). Words come last:
:func:`render` looks the code's template up in the language asked for and fills it in.
The English templates are :data:`zjj_medical.messages.en.MESSAGES`, the source text;
the Chinese ones are the entries of the gettext catalog (:mod:`zjj_medical.i18n`) whose
context is the code (a code left untranslated falls back to English).

A list param ``accepted`` (or ``declared``) with a parallel ``accepted_names`` list is
shown in Chinese as ids with their names: ``sangzhi（桑植县）``.

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

from zjj_medical.i18n import get_language, name_with_id, normalize_language, pgettext
from zjj_medical.messages import en

__all__ = ["CATALOGS", "NONE", "jsonable", "render", "template", "template_fields"]

#: The English templates by language tag (the source text; other languages come from the
#: gettext catalog, see :func:`template`).
CATALOGS: dict[str, Mapping[str, str]] = {"en": en.MESSAGES}
#: The word for an empty list of accepted values (``{accepted:or_none}``), by language tag.
NONE: dict[str, str] = {"en": "none", "zh": "无"}


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


def _field(value: Any, spec: str, lang: str, names: Any = None) -> str:
    """One field: a list as its items joined by ``, `` (``、`` in Chinese, each id with its
    name from ``names`` when given; spec ``or_none``: the language's word for none when
    empty; ``py``: as Python writes the list), else ``format``."""
    if isinstance(value, list):
        if spec == "py":
            return str(value)
        if lang == "zh":
            named = names if isinstance(names, list) and len(names) == len(value) else None
            items = [
                name_with_id(str(v), named[i] if named else None, "zh") for i, v in enumerate(value)
            ]
            joined = "、".join(items)
        else:
            joined = ", ".join(str(v) for v in value)
        if spec == "or_none" and not joined:
            return NONE.get(lang, NONE["en"])
        return joined
    return format(value, spec)


def template(code: str, lang: str = "en") -> str:
    """The template of an error ``code`` in ``lang`` (English when it has no translation).

    >>> template("policy.ratio.range", "zh")
    '{source}：{path}：{value} 不在 [0, 1] 内'
    """
    english = en.MESSAGES[code]
    if lang == "en":
        return english
    return pgettext(code, english, lang)


def render(code: str, params: Mapping[str, Any], lang: str | None = "en") -> str:
    """The message of an error ``code`` with its ``params``, in ``lang`` (English by default;
    ``None``: the current language, :func:`zjj_medical.i18n.get_language`).

    ``{name!r}`` writes ``params[name + "_repr"]`` when there is one (see :func:`jsonable`).

    >>> render("policy.ratio.range", {"source": "p.yaml", "path": "layers[0].ratio", "value": "1.2"})
    'p.yaml: layers[0].ratio: 1.2 is not in [0, 1]'
    >>> render("policy.ratio.range", {"source": "p.yaml", "path": "layers[0].ratio", "value": "1.2"}, "zh")
    'p.yaml：layers[0].ratio：1.2 不在 [0, 1] 内'
    """
    lang = get_language() if lang is None else (normalize_language(lang) or "en")
    out = []
    for literal, name, spec, conversion in _parsed(template(code, lang)):
        out.append(literal)
        if name is None:
            continue
        if conversion == "r":
            shown = params.get(f"{name}_repr")
            out.append(format(shown if shown is not None else repr(params[name]), spec))
        elif conversion == "s":
            out.append(format(str(params[name]), spec))
        else:
            out.append(_field(params[name], spec, lang, params.get(f"{name}_names")))
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
