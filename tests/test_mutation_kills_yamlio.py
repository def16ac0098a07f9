"""Behaviour checks of the strict, bounded policy-file reader (policy/yamlio.py), added while
mutation-testing it (tests/MUTATION.md lists the survivors and their verdicts).

Worked from docs/reference/policy-format.md, "How the file is read": only the listed
spellings are null and booleans, keys are texts, the file is at most 4 MiB of UTF-8, nests at
most 64 deep (aliases counted where used) and holds at most 100,000 values.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

from zjj_medical.errors import PolicyError
from zjj_medical.policy.yamlio import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_VALUES,
    decode_policy_bytes,
    read_policy_file,
    read_policy_text,
)


def _refused(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        read_policy_text(text, "p.yaml")
    return caught.value


@pytest.mark.parametrize(
    ("written", "read"),
    [("", None), ("~", None), ("null", None), ("Null", None), ("NULL", None),
     ("true", True), ("True", True), ("TRUE", True),
     ("false", False), ("False", False), ("FALSE", False),
     ("yes", "yes"), ("nULL", "nULL"), ("tRUE", "tRUE"), ('"true"', "true"), ("'null'", "null")],
)  # fmt: skip
def test_only_the_listed_spellings_are_null_or_booleans(written: str, read: object) -> None:
    assert read_policy_text(f"a: {written}\n", "p.yaml") == {"a": read}


def test_a_key_that_is_null_or_a_boolean_is_read_as_written() -> None:
    assert read_policy_text("true: 1\nnull: x\n~: y\n", "p.yaml") == {
        "true": "1", "null": "x", "~": "y",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [("? [a]\n: 1\n", "(top)", 1), ("b:\n  c: 1\n  ? {x: 1}\n  : 1\n", "b", 3)],
)
def test_a_key_that_is_a_collection_is_refused_at_its_mapping(
    text: str, path: str, line: int
) -> None:
    error = _refused(text)
    assert (error.code, error.source, error.to_dict()["path"], error.params["line"]) == (
        "policy.key.text", "p.yaml", path, line,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [('"\\ud800"\n', "(top)", 1), ('a:\n  - x\n  - "\\ud800"\n', "a[1]", 3),
     ('a:\n  "\\ud800": 1\n', "a", 2)],
)  # fmt: skip
def test_a_lone_surrogate_is_refused_at_its_path(text: str, path: str, line: int) -> None:
    error = _refused(text)
    assert (error.code, error.source, error.to_dict()["path"], error.params["line"]) == (
        "policy.yaml.surrogate", "p.yaml", path, line,
    )  # fmt: skip
    assert error.params["path"] == path


def _nested(levels: int, leaf: str = "x") -> str:
    return "[" * levels + leaf + "]" * levels


def test_nesting_64_deep_is_read_and_65_refused() -> None:
    assert MAX_DEPTH == 64
    value = read_policy_text(_nested(64), "p.yaml")
    for _ in range(63):
        [value] = value
    assert value == ["x"]
    error = _refused(_nested(65))
    assert (error.code, error.source, error.params["limit"]) == ("policy.yaml.depth", "p.yaml", 64)


def test_aliases_count_where_they_are_used_for_the_depth() -> None:
    # the anchor nests 10 deep at the top; used 60 deep it would nest 70 deep
    text = f"a: &x {_nested(10)}\nb: {_nested(60, '*x')}\n"
    error = _refused(text)
    assert (error.code, error.params["limit"]) == ("policy.yaml.depth", 64)
    # used 50 deep it nests 61 deep (b's mapping, 50 lists, the anchor's 10): read
    read_policy_text(f"a: &x {_nested(10)}\nb: {_nested(50, '*x')}\n", "p.yaml")


def test_at_most_100000_values() -> None:
    assert MAX_VALUES == 100_000
    # a list of n texts is n + 1 values
    assert len(read_policy_text("[" + ",".join(["a"] * 99_999) + "]", "p.yaml")) == 99_999
    error = _refused("[" + ",".join(["a"] * 100_000) + "]")
    assert (error.code, error.source, error.params["limit"]) == (
        "policy.yaml.values", "p.yaml", 100_000,
    )  # fmt: skip


def test_a_cycle_is_refused_naming_its_line() -> None:
    error = _refused("b: 1\na: &a [*a]\n")
    assert (error.code, error.source, error.params["line"]) == ("policy.yaml.cycle", "p.yaml", 2)


def test_a_file_of_exactly_4_mib_is_read_and_one_byte_more_refused() -> None:
    assert MAX_FILE_BYTES == 4 * 1024 * 1024
    data = b"a: " + b"x" * (MAX_FILE_BYTES - 3)
    assert len(decode_policy_bytes(data, "p.yaml")) == MAX_FILE_BYTES
    with pytest.raises(PolicyError) as caught:
        decode_policy_bytes(data + b"x", "p.yaml")
    assert (caught.value.code, caught.value.params["size"], caught.value.params["limit"]) == (
        "policy.file.size", MAX_FILE_BYTES + 1, MAX_FILE_BYTES,
    )  # fmt: skip


def test_a_leading_byte_order_mark_is_dropped() -> None:
    assert decode_policy_bytes("\ufeffa: 1\ufeff".encode(), "p.yaml") == "a: 1\ufeff"


def test_bytes_that_are_not_utf8_are_shown_with_their_offset() -> None:
    # the docs' example: a GBK file, byte 6 is 0xb7
    with pytest.raises(PolicyError) as caught:
        decode_policy_bytes(b"a: 1\nb\xb7: 2\n", "p.yaml")
    error = caught.value
    assert (error.code, error.source, error.params["offset"], error.params["bytes"]) == (
        "policy.file.encoding", "p.yaml", 6, "b7",
    )  # fmt: skip


def test_a_file_is_read_bounded_and_named_by_its_name(tmp_path: Path) -> None:
    path = tmp_path / "my_county.yaml"
    path.write_bytes(b"x" * (MAX_FILE_BYTES + 5))
    with pytest.raises(PolicyError) as caught:
        read_policy_file(path)
    assert (caught.value.code, caught.value.source, caught.value.params["size"]) == (
        "policy.file.size", "my_county.yaml", MAX_FILE_BYTES + 1,
    )  # fmt: skip
    path.write_bytes("a: 县\n".encode())
    assert read_policy_file(path) == "a: 县\n"


def test_a_file_that_cannot_be_read_names_its_path_and_why(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(PolicyError) as caught:
        read_policy_file(path)
    error = caught.value
    assert (error.code, error.source, error.params["source"], error.params["detail"]) == (
        "policy.file.read", str(path), str(path), "No such file or directory",
    )  # fmt: skip


def test_a_text_of_exactly_4_mib_is_read_and_one_byte_more_refused() -> None:
    # "县" is 3 bytes in UTF-8: "a: " (3 bytes) and 1,398,100 of them (4,194,300 bytes) and
    # "x" (1 byte) are 4,194,304 bytes = 4 MiB; one "x" more is 4,194,305
    text = "a: " + "县" * 1_398_100 + "x"
    assert len(text.encode()) == MAX_FILE_BYTES
    assert read_policy_text(text, "p.yaml") == {"a": "县" * 1_398_100 + "x"}
    error = _refused(text + "x")
    assert (error.code, error.source, error.params["source"]) == (
        "policy.file.size", "p.yaml", "p.yaml",
    )  # fmt: skip
    assert (error.params["size"], error.params["limit"]) == (4_194_305, 4_194_304)


@pytest.mark.parametrize("text", ["", "# nothing but a comment\n"])
def test_an_empty_file_is_refused_naming_it(text: str) -> None:
    error = _refused(text)
    assert (error.code, error.source, error.params["source"]) == (
        "policy.file.empty", "p.yaml", "p.yaml",
    )  # fmt: skip


def test_the_path_of_an_item_of_a_top_level_list_is_its_index() -> None:
    error = _refused('- a\n- "\\ud800"\n')
    assert (error.code, error.to_dict()["path"], error.params["line"]) == (
        "policy.yaml.surrogate", "[1]", 2,
    )  # fmt: skip


def test_the_depth_error_names_the_line_where_the_65th_level_opens() -> None:
    # level k (k = 1, 2, …) opens a list on line 3k - 2, then, nested in it, a short list
    # on line 3k - 1 whose "x" is on line 3k; the short list of level k is k + 1 deep, and
    # closes before level k + 1 opens. The first list 65 deep is level 64's short list,
    # opened on line 3 × 64 - 1 = 191.
    text = "[\n[\nx],\n" * 70 + "x" + "]" * 70 + "\n"
    error = _refused(text)
    assert (error.code, error.source, error.params["limit"], error.params["line"]) == (
        "policy.yaml.depth", "p.yaml", 64, 191,
    )  # fmt: skip


def test_an_alias_used_too_deep_is_refused_at_the_line_of_its_anchor() -> None:
    # the anchored block (line 2) nests 10 deep; used under 60 lists in b's value (61 deep
    # with the top mapping), it would nest 71 deep
    text = f"c: 1\na: &x {_nested(10)}\nb: {_nested(60, '*x')}\n"
    error = _refused(text)
    assert (error.code, error.source, error.params["limit"], error.params["line"]) == (
        "policy.yaml.depth", "p.yaml", 64, 2,
    )  # fmt: skip


def test_a_file_read_with_little_stack_left_is_refused_as_too_deep() -> None:
    # a caller deep in its own recursion, with about 60 frames left: reading 60 nested lists
    # needs more, and is refused as too deep (at no line) rather than ending in a traceback
    here = len(inspect.stack(0))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(here + 60)
    try:
        error = _refused(_nested(60))
    finally:
        sys.setrecursionlimit(limit)
    assert (error.code, error.source, error.params["source"]) == (
        "policy.yaml.depth", "p.yaml", "p.yaml",
    )  # fmt: skip
    assert (error.params["limit"], error.params["line"]) == (64, 0)
