"""A policy version fingerprint: the SHA-256 of the policy file's text.

A stored settlement records the policy id *and* this fingerprint, so an auditor can
tell which exact version of the policy file produced it (a county may correct a
ratio in place without changing the policy id). The file is found exactly as
:func:`~zjj_medical.policy.loader.load_policy` finds it: a built-in name or a path.

>>> policy_fingerprint("zhangjiajie").startswith("sha256:")
True
>>> policy_fingerprint() == policy_fingerprint("zhangjiajie")
True
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from zjj_medical.policy.loader import policy_source

__all__ = ["policy_fingerprint", "policy_text", "text_fingerprint"]


def policy_text(name_or_path: str | Path | None = None) -> str:
    """The text of a built-in policy (by name) or of a policy file (by path)."""
    return policy_source(name_or_path)[0]


def text_fingerprint(text: str) -> str:
    """``sha256:`` and the hex digest of the UTF-8 text.

    >>> text_fingerprint("")
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def policy_fingerprint(name_or_path: str | Path | None = None) -> str:
    """The fingerprint of a policy file (``None``: the built-in ``zhangjiajie``)."""
    return text_fingerprint(policy_text(name_or_path))
