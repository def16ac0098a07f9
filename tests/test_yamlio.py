"""The policy YAML reader is bounded: alias bombs, recursive anchors, deep nesting, big,
non-UTF-8 or binary files are PolicyErrors naming the file, never a traceback (SPEC §11)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from zjj_medical.analysis.reform import load_reform
from zjj_medical.errors import PolicyError
from zjj_medical.policy import yamlio
from zjj_medical.policy.loader import load_policy, policy_source
from zjj_medical.policy.yamlio import MAX_DEPTH, read_policy_text


def laughs(levels: int = 10, width: int = 9) -> str:
    """The "billion laughs": each anchor a list of ``width`` aliases of the one before."""
    lines = ['l0: &l0 "lol"']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def refused(text: str, code: str) -> PolicyError:
    """The PolicyError reading ``text`` as p.yaml raises, checked to carry ``code``."""
    with pytest.raises(PolicyError) as info:
        read_policy_text(text, "p.yaml")
    assert code == info.value.code
    assert str(info.value).startswith("p.yaml: ")
    return info.value


def test_alias_bomb_is_refused_quickly() -> None:
    """A 400-byte alias bomb (it took 73 s and 2.7 GB, then MemoryError) is refused at once."""
    start = time.monotonic()
    error = refused(laughs(), "policy.yaml.values")
    assert 100_000 == error.params["limit"]
    assert time.monotonic() - start < 2


def test_small_alias_expansion_is_read() -> None:
    """Aliases that expand to few values are still read, shared blocks copied."""
    assert ["lol", "lol"] == read_policy_text(laughs(3, 2), "p.yaml")["l1"]


def test_recursive_anchor_is_a_cycle() -> None:
    """``bomb: &a [*a]`` is refused as a cycle naming its line (it recursed without end)."""
    error = refused("x: 1\nbomb: &a [*a]\n", "policy.yaml.cycle")
    assert 2 == error.params["line"]


def test_deep_flow_nesting_is_refused() -> None:
    """Sequences nested 5,000 deep are refused before composing (a RecursionError)."""
    refused("a: " + "[" * 5000 + "]" * 5000 + "\n", "policy.yaml.depth")


def test_deep_block_nesting_is_refused() -> None:
    """Block mappings nested 1,000 deep are refused naming the line past the limit."""
    text = "".join(" " * i + f"k{i}:\n" for i in range(1000))
    assert MAX_DEPTH + 1 == refused(text, "policy.yaml.depth").params["line"]


def test_depth_through_aliases_is_bounded() -> None:
    """A chain of anchors, each one list around the one before, is as deep as its expansion."""
    text = "a0: &a0 x\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 200))
    refused(text, "policy.yaml.depth")


def test_depth_limit_is_exact() -> None:
    """Nesting up to the limit is read."""
    value = read_policy_text("[" * MAX_DEPTH + "]" * MAX_DEPTH, "p.yaml")
    depth = 0
    while isinstance(value, list):
        depth, value = depth + 1, value[0] if value else None
    assert MAX_DEPTH == depth
    refused("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "policy.yaml.depth")


def test_mapping_as_key_is_refused() -> None:
    """A key that is a mapping or sequence is refused (it was kept as a node's repr)."""
    refused("? [a]\n: b\n", "policy.key.text")


def test_syntax_error_names_the_file() -> None:
    """A YAML syntax error names the file, not ``<unicode string>``."""
    error = refused("a: [1, 2\nb: c\n", "policy.yaml.invalid")
    assert '"p.yaml", line 1' in error.params["detail"]
    assert "<unicode string>" not in str(error)


def test_control_character_names_the_file() -> None:
    """A NUL character (refused by PyYAML's reader when the loader is made) names the file."""
    error = refused("a: \x00\n", "policy.yaml.invalid")
    assert '"p.yaml"' in error.params["detail"]


@pytest.mark.parametrize(
    ("data", "offset"),
    [("名称: 张家界\n".encode("gbk"), 0), (b"a: b\n\xff\xfe\x00binary", 5), (b"a: \xe5\xbc", 3)],
)
def test_non_utf8_policy_file_names_file_and_offset(
    tmp_path: Path, data: bytes, offset: int
) -> None:
    """A GBK-encoded, binary or cut file is a PolicyError naming the file and the byte offset."""
    path = tmp_path / "county.yaml"
    path.write_bytes(data)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert ("policy.file.encoding", offset) == (info.value.code, info.value.params["offset"])
    assert str(info.value).startswith(f"county.yaml: byte {offset}: not UTF-8")


def test_policy_file_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over MAX_FILE_BYTES is refused, read no further than the limit."""
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 50)
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 100 + "\n", "utf-8")
    with pytest.raises(PolicyError) as info:
        policy_source(path)
    assert ("policy.file.size", 50) == (info.value.code, info.value.params["limit"])
    with pytest.raises(PolicyError, match="policy file is at most 50 bytes"):
        read_policy_text("a: " + "x" * 100, "big.yaml")


def test_reform_file_is_read_bounded(tmp_path: Path) -> None:
    """A reform file is read by the same bounded reader (an alias bomb is refused)."""
    path = tmp_path / "reform.yaml"
    path.write_text(laughs(), "utf-8")
    with pytest.raises(PolicyError) as info:
        load_reform(path)
    assert "policy.yaml.values" == info.value.code


def test_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark at the start of a policy file is not part of its text."""
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: b\n")
    assert {"a": "b"} == read_policy_text(policy_source(path)[0], "bom.yaml")


def test_escaped_lone_surrogate_is_refused() -> None:
    """``"\\ud800"`` in a double-quoted scalar is an escape YAML reads as a lone surrogate,
    which no file can hold: refused naming the key path and line, as a value or as a key."""
    error = refused('a: 1\nname: "x\\ud800"\n', "policy.yaml.surrogate")
    assert (2, "name") == (error.params["line"], error.params["path"])
    refused('a:\n  "\\udfff": 1\n', "policy.yaml.surrogate")


def test_escaped_character_is_read() -> None:
    """A real character written as an escape (``"\\u6851"``, 桑) is read as that character."""
    assert {"name": "桑植"} == read_policy_text('name: "\\u6851植"\n', "p.yaml")
