"""JSON text to values, bounded: the one reader of the JSON contract's documents.

Numbers with a fraction are read as ``Decimal`` (``12.34`` stays exactly 12.34). The reader
refuses, with an :class:`~zjj_medical.errors.InvalidClaim` that names what and where:

* a document (or a JSON Lines line) longer than :data:`MAX_DOCUMENT_BYTES` (16 MiB);
* bytes that are not UTF-8 (the byte offset is named);
* arrays and objects nested deeper than :data:`MAX_DEPTH` (64) — a contract document
  needs 5 levels;
* an object that gives one key twice (the key and its JSON path are named): the last one
  would win silently;
* text (a key or a string value) that is not a sequence of Unicode scalar values: a lone
  surrogate such as ``"\\ud800"`` (the JSON path is named).

JSON syntax errors stay Python's :class:`json.JSONDecodeError` (a ``ValueError``).

>>> read_json('{"total": 12.34}')
{'total': Decimal('12.34')}
>>> try:
...     read_json('{"claims": [{"total": "1", "total": "2"}]}')
... except InvalidClaim as exc:
...     print(exc.path, "-", exc)
claims[0].total - claims[0]: key 'total' is given twice in one object
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from zjj_medical.errors import InvalidClaim

__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_BYTES", "decode_utf8", "read_json", "text_problem"]

#: The deepest nesting of arrays and objects a document may have.
MAX_DEPTH = 64
#: The largest document (or JSON Lines line) read, in bytes of UTF-8.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024

#: A JSON string (skipped whole) or a bracket: what the depth scan looks at.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _fail(code: str, where: str, path: str | None = None, **params: object) -> InvalidClaim:
    field = path or "document"
    return InvalidClaim(code=code, params={"where": where, **params}, field=field, path=path or "")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _shown(text: str) -> str:
    """Text with its lone surrogates written as escapes, safe to print and to encode."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def text_problem(value: str) -> bool:
    """Whether ``value`` holds a lone surrogate (is not a sequence of Unicode scalar values)."""
    return _SURROGATE.search(value) is not None


def decode_utf8(data: bytes, where: str) -> str:
    """``data`` decoded as UTF-8; bytes that are not UTF-8 raise an ``InvalidClaim`` naming
    ``where`` (``document``, ``line 3``) and the byte offset."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.end][:4].hex(" ")
        raise _fail("document.encoding", where, offset=exc.start, bytes=bad) from None


def _check_depth(text: str, where: str) -> None:
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                raise _fail(
                    "document.depth", where, limit=MAX_DEPTH, offset=match.start(), line=line
                )
        elif token in "]}":
            depth -= 1


class _Twice(dict[str, Any]):
    """An object that gave a key twice (found again by :func:`_check_values`)."""

    twice: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    seen: set[str] = set()
    twice = _Twice(out)
    for key, _ in pairs:
        if key in seen:
            twice.twice = key
            break
        seen.add(key)
    return twice


def _check_values(value: Any, path: str, where: str) -> None:
    """Refuse a key given twice and text that is not Unicode scalar values, naming the path."""
    if isinstance(value, str):
        if text_problem(value):
            raise _fail("document.text.surrogate", where, path, at=path or "document",
                        value=_shown(value))  # fmt: skip
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_values(item, _join(path, i), where)
    elif isinstance(value, dict):
        if isinstance(value, _Twice):
            at = _join(path, _shown(value.twice))
            raise _fail("document.key.twice", where, at, at=path or "document",
                        key=_shown(value.twice))  # fmt: skip
        for key, item in value.items():
            if text_problem(key):
                at = _join(path, _shown(key))
                raise _fail("document.key.surrogate", where, at, at=at, key=_shown(key))
            _check_values(item, _join(path, key), where)


def read_json(text: str | bytes, where: str = "document") -> Any:
    """The value of a JSON document, bounded as the module says; ``where`` names the input
    in the errors (``document``, ``line 3``)."""
    if isinstance(text, bytes):
        if len(text) > MAX_DOCUMENT_BYTES:
            raise _fail("document.size", where, limit=MAX_DOCUMENT_BYTES)
        text = decode_utf8(text, where)
    elif len(text.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES:
        raise _fail("document.size", where, limit=MAX_DOCUMENT_BYTES)
    _check_depth(text, where)
    try:
        value = json.loads(text, parse_float=Decimal, object_pairs_hook=_pairs)
    except RecursionError:  # the scan above bounds the depth; kept as the last guard
        raise _fail("document.depth", where, limit=MAX_DEPTH, offset=0, line=1) from None
    _check_values(value, "", where)
    return value
