"""Behaviour checks of the dated-value lookup (policy/dated.py) and the policy fingerprint
(policy/fingerprint.py), added while mutation-testing them (tests/MUTATION.md lists the
survivors and their verdicts).

Worked from the modules' documented rules: the value in force on a date is the latest one
whose start date is on or before it, nothing before the first; a fingerprint is ``sha256:``
and the SHA-256 hex digest of the policy file's UTF-8 text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from zjj_medical.policy import NOT_IN_FORCE, value_in_force
from zjj_medical.policy.dated import _NotInForce
from zjj_medical.policy.fingerprint import policy_fingerprint, policy_text, text_fingerprint

_D = dt.date
_VALUES = [(_D(2019, 1, 1), "a"), (_D(2020, 7, 1), "b"), (_D(2021, 1, 1), "c")]


@pytest.mark.parametrize(
    ("on", "value"),
    [(_D(2018, 12, 31), NOT_IN_FORCE), (_D(2019, 1, 1), "a"), (_D(2020, 6, 30), "a"),
     (_D(2020, 7, 1), "b"), (_D(2020, 12, 31), "b"), (_D(2021, 1, 1), "c"),
     (_D(2099, 1, 1), "c")],
)  # fmt: skip
def test_the_value_in_force_is_the_latest_started_on_or_before_the_date(
    on: dt.date, value: object
) -> None:
    assert value_in_force(_VALUES, on) == value


def test_nothing_is_in_force_before_the_first_start_or_without_values() -> None:
    assert value_in_force([], _D(2020, 1, 1)) is NOT_IN_FORCE
    assert value_in_force(_VALUES[:1], _D(2018, 1, 1)) is NOT_IN_FORCE
    assert value_in_force(_VALUES[:1], _D(2019, 1, 1)) == "a"


def test_not_in_force_is_one_false_marker_shown_by_its_name() -> None:
    assert _NotInForce() is NOT_IN_FORCE
    assert _NotInForce() is _NotInForce()
    assert not NOT_IN_FORCE
    assert bool(NOT_IN_FORCE) is False
    assert repr(NOT_IN_FORCE) == "NOT_IN_FORCE"
    # a value that is itself falsy (a zero amount) is still a value, not the marker
    assert value_in_force([(_D(2019, 1, 1), 0)], _D(2019, 1, 1)) == 0


def test_a_text_fingerprint_is_the_sha256_of_its_utf8_bytes() -> None:
    # FIPS 180-2, appendix B.1: SHA-256("abc")
    assert text_fingerprint("abc") == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert text_fingerprint("县") == "sha256:" + hashlib.sha256(b"\xe5\x8e\xbf").hexdigest()


def test_a_policy_fingerprint_is_that_of_the_files_text(tmp_path: Path) -> None:
    path = tmp_path / "my_county.yaml"
    path.write_bytes("policy: 县\n".encode())
    assert policy_text(path) == "policy: 县\n"
    assert policy_text(str(path)) == "policy: 县\n"
    assert policy_fingerprint(path) == (
        "sha256:" + hashlib.sha256("policy: 县\n".encode()).hexdigest()
    )


def test_the_default_policy_is_the_built_in_zhangjiajie() -> None:
    text = policy_text()
    assert text == policy_text("zhangjiajie")
    assert "id: basic_insurance" in text
    assert policy_fingerprint() == policy_fingerprint("zhangjiajie")
    assert policy_fingerprint() == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert policy_text("zhangjiajie") != policy_text("zhangjiajie_2024")
    assert policy_fingerprint("zhangjiajie") != policy_fingerprint("zhangjiajie_2024")
