"""Strict reading of policy files: YAML (or JSON) to plain Python, keeping positions.

Unlike ``yaml.safe_load`` this reader

* refuses duplicate keys (naming the key path and line),
* never guesses types from plain scalars except ``null``/``~``, ``true`` and ``false``:
  numbers and dates stay strings so that the loader parses them exactly
  (``0.70`` is ``Decimal('0.70')``, never the float 0.7),
* accepts anchors and aliases (a county may reuse one parameter block).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from zjj_medical.errors import PolicyError

__all__ = ["read_policy_text"]


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
        return str(node.value)
    if isinstance(node, SequenceNode):
        return [_convert(item, source, f"{path}[{i}]") for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, source, path)
            if not isinstance(key, str):
                key = str(key_node.value)
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
    """Parse policy text into dicts, lists, strings, booleans and ``None``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise PolicyError(
            code="policy.yaml.invalid", params={"source": source, "detail": str(exc)}, source=source
        ) from None
    if node is None:
        raise PolicyError(code="policy.file.empty", params={"source": source}, source=source)
    return _convert(node, source, "")
