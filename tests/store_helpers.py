"""Shared by the ledger-store tests: the whole content of a database file, to compare."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["dump"]


def dump(path: Path) -> list[str]:
    """Every row of the database file, as SQL text."""
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()
