"""Strict, bounded reading of policy files: YAML (or JSON) to plain Python, keeping positions.

Unlike ``yaml.safe_load`` this reader

* refuses duplicate keys (naming the key path and line),
* never guesses types from plain scalars except ``null``/``~``, ``true`` and ``false``:
  numbers and dates stay strings so that the loader parses them exactly
  (``0.70`` is ``Decimal('0.70')``, never the float 0.7),
* accepts anchors and aliases (a county may reuse one parameter block),
* is bounded, so that no file ends in a traceback or exhausts memory: a file of at most
  :data:`MAX_FILE_BYTES` (4 MiB) of UTF-8 (other bytes are refused naming the byte
  offset), nesting at most :data:`MAX_DEPTH` (64) deep, aliases included, and at most
  :data:`MAX_VALUES` (100,000) values once aliases are expanded — an alias "billion
  laughs" of a few hundred bytes is refused before it is expanded; an alias inside its
  own anchor (``a: &a [*a]``) is refused as a cycle,
* refuses text that is not Unicode scalar values: a lone surrogate written as an escape in
  a double-quoted scalar (``"\\ud800"``), which no file or terminal can hold.

Every error is a :class:`~zjj_medical.errors.PolicyError` naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from zjj_medical.errors import PolicyError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "decode_policy_bytes",
    "read_policy_file",
    "read_policy_text",
]

#: A lone surrogate (from an escape such as ``"\\ud800"``): not a Unicode scalar value.
_SURROGATE = re.compile("[\ud800-\udfff]")

#: The largest policy (or reform, or population) file read, in bytes.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: The deepest nesting of mappings and sequences, aliases expanded.
MAX_DEPTH = 64
#: The most values (scalars, mappings, sequences) a file may hold, aliases expanded.
MAX_VALUES = 100_000


def _error(code: str, source: str, **params: object) -> PolicyError:
    return PolicyError(code=code, params={"source": source, **params}, source=source)


def decode_policy_bytes(data: bytes, source: str) -> str:
    """The text of a policy file's bytes: at most :data:`MAX_FILE_BYTES` of UTF-8 (a leading
    byte-order mark is dropped); anything else is a ``PolicyError`` naming the file and
    the byte offset."""
    if len(data) > MAX_FILE_BYTES:
        raise _error("policy.file.size", source, size=len(data), limit=MAX_FILE_BYTES)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.end][:4].hex(" ")
        raise _error("policy.file.encoding", source, offset=exc.start, bytes=bad) from None


def read_policy_file(path: Path) -> str:
    """The text of the policy file at ``path``, read bounded (:func:`decode_policy_bytes`)."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _error("policy.file.read", str(path), detail=exc.strerror or str(exc)) from None
    return decode_policy_bytes(data, path.name)


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader whose (recursive) composer refuses to nest deeper than
    :data:`MAX_DEPTH` before it recurses."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.name = source  # the marks of syntax errors name the file
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        nests = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if nests:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                mark = event.start_mark
                raise _error(
                    "policy.yaml.depth", self.name, limit=MAX_DEPTH,
                    line=mark.line + 1 if mark else 0,
                )  # fmt: skip
        try:
            return super().compose_node(parent, index)
        finally:
            if nests:
                self._depth -= 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _measure(root: Node, source: str) -> None:
    """Refuse a node graph that is cyclic, deeper than MAX_DEPTH or larger than MAX_VALUES
    once aliases are expanded; each shared node is measured once (memo), so an alias bomb
    costs its size in the file, not its expansion."""
    done: dict[int, tuple[int, int]] = {}  # id(node) → (values, height), expanded
    open_: set[int] = set()

    def walk(node: Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in done:
            values, height = done[key]
        elif key in open_:
            line = node.start_mark.line + 1 if node.start_mark else 0
            raise _error("policy.yaml.cycle", source, line=line)
        else:
            if depth > MAX_DEPTH:
                raise _error("policy.yaml.depth", source, limit=MAX_DEPTH, line=_line(node))
            open_.add(key)
            values, height = 1, 0
            for child in _children(node):
                v, h = walk(child, depth + 1)
                values, height = values + v, max(height, h + 1)
                if values > MAX_VALUES:
                    raise _error("policy.yaml.values", source, limit=MAX_VALUES)
            open_.discard(key)
            done[key] = values, height
        if depth + height > MAX_DEPTH:
            raise _error("policy.yaml.depth", source, limit=MAX_DEPTH, line=_line(node))
        return values, height

    walk(root, 0)


def _line(node: Node) -> int:
    return node.start_mark.line + 1 if node.start_mark else 0


def _convert(node: Node, source: str, path: str) -> Any:
    if isinstance(node, ScalarNode):
        if node.style is None:  # plain scalar
            text = str(node.value)
            if text in ("", "~", "null", "Null", "NULL"):
                return None
            if text in ("true", "True", "TRUE"):
                return True
            if text in ("false", "False", "FALSE"):
                return False
        text = str(node.value)
        if _SURROGATE.search(text):
            raise PolicyError(
                code="policy.yaml.surrogate",
                params={"source": source, "path": path or "(top)", "line": _line(node)},
                source=source, path=path or "(top)",
            )  # fmt: skip
        return text
    if isinstance(node, SequenceNode):
        return [_convert(item, source, f"{path}[{i}]") for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, source, path)
            if not isinstance(key, str):
                key = str(key_node.value) if isinstance(key_node, ScalarNode) else None
            if key is None:
                child = path or "(top)"
                raise PolicyError(
                    code="policy.key.text",
                    params={"source": source, "path": child, "line": _line(key_node)},
                    source=source, path=child,
                )  # fmt: skip
            child = f"{path}.{key}" if path else key
            if key in result:
                line = key_node.start_mark.line + 1
                raise PolicyError(
                    code="policy.key.duplicate",
                    params={"source": source, "path": child, "line": line},
                    source=source, path=child,
                )  # fmt: skip
            result[key] = _convert(value_node, source, child)
        return result
    raise PolicyError(
        code="policy.yaml.node", params={"source": source, "path": path}, source=source, path=path
    )


def read_policy_text(text: str, source: str) -> Any:
    """Parse policy text into dicts, lists, strings, booleans and ``None``, bounded as the
    module says."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        size = len(text.encode("utf-8", "surrogatepass"))
        raise _error("policy.file.size", source, size=size, limit=MAX_FILE_BYTES)
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text, source)  # checks the characters first
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        detail = str(exc).replace('"<unicode string>"', f'"{source}"')
        raise _error("policy.yaml.invalid", source, detail=detail) from None
    except RecursionError:  # the composer's depth is bounded above; kept as the last guard
        raise _error("policy.yaml.depth", source, limit=MAX_DEPTH, line=0) from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise PolicyError(code="policy.file.empty", params={"source": source}, source=source)
    _measure(node, source)
    return _convert(node, source, "")
