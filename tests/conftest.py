"""Shared test settings: Hypothesis profiles, and the ledger store of each backend.

``ci`` (the default) keeps the whole suite fast on a small machine; ``thorough`` is
for a long local run: ``HYPOTHESIS_PROFILE=thorough python -m pytest tests``.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from store_helpers import StoreTarget, pg_schema

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The suite's expected texts are English unless a test asks for a language: the
# language would otherwise follow the machine's locale (LANG=zh_CN.UTF-8 → Chinese).
os.environ["ZJJ_MEDICAL_LANG"] = "en"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreTarget]:
    """A fresh ledger store of each backend: a SQLite file, a PostgreSQL schema.

    The PostgreSQL half is skipped, saying how to run it, when ``ZJJ_MEDICAL_TEST_PG_URL``
    is not set (see tests/store_helpers.py).
    """
    if request.param == "sqlite":
        yield StoreTarget("sqlite", str(tmp_path / "ledger.db"))
        return
    with pg_schema() as url:
        yield StoreTarget("postgresql", url)
