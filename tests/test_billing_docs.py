"""Run every example of docs/how-to/billing-integration.md, in order, in a scratch directory.

- a ```` ```python ```` block runs (all blocks share one namespace); what it prints must
  match the ```` ```text ```` block right after it, where a line ``...`` stands for any text;
  a block with no such block must print nothing;
- a ```` ```console ```` block holds ``$ zjj-medical …`` commands, each followed by its
  output (``...`` as above), run with click's test runner; each must exit 0.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zjj_medical.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "how-to" / "billing-integration.md"
FENCE = re.compile(r"^(`{3,})(\S*)\s*$")
CHECKER = doctest.OutputChecker()


def blocks(text: str) -> list[tuple[str, str, int]]:
    """The fenced blocks of a page: (language, body, first line number)."""
    out: list[tuple[str, str, int]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        ticks, lang = m.groups()
        start, body = i + 1, []
        i += 1
        while i < len(lines) and lines[i].rstrip() != ticks:
            body.append(lines[i])
            i += 1
        out.append((lang, "\n".join(body) + "\n", start + 1))
        i += 1
    return out


def matches(expected: str, actual: str) -> bool:
    """``expected`` equals ``actual`` (trailing spaces aside), ``...`` matching any text."""
    actual = "\n".join(line.rstrip() for line in actual.splitlines()).strip() + "\n"
    return CHECKER.check_output(expected.strip() + "\n", actual, doctest.ELLIPSIS)


def commands(body: str) -> list[tuple[str, str]]:
    """The ``$ `` commands of a console block, each with the output shown below it."""
    out: list[tuple[str, str]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], ""))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + line + "\n")
    return out


def test_the_page_has_examples() -> None:
    """The page holds Python and command-line examples (so the run below checks something)."""
    langs = [lang for lang, _, _ in blocks(PAGE.read_text("utf-8"))]
    assert langs.count("python") >= 8
    assert langs.count("console") >= 2


def test_matches_reads_ellipsis() -> None:
    """``...`` matches any lines; other differences fail."""
    assert matches("a\n...\nd\n", "a\nb\nc\nd\n")
    assert not matches("a\nd\n", "a\nb\nd\n")


def test_billing_integration_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every example of the billing-integration how-to runs and prints what the page shows."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    page = blocks(PAGE.read_text("utf-8"))
    namespace: dict[str, Any] = {"__name__": "docs:billing-integration"}
    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    for n, (lang, body, line) in enumerate(page):
        where = f"{PAGE.name}:{line}"
        if lang == "python":
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(body, where, "exec"), namespace)
            following = page[n + 1] if n + 1 < len(page) else None
            if following is not None and following[0] == "text":
                assert matches(following[1], buf.getvalue()), f"{where}:\n{buf.getvalue()}"
            else:
                assert "" == buf.getvalue(), f"{where} prints output that no text block shows"
        elif lang == "console":
            for command, expected in commands(body):
                argv = shlex.split(command)
                assert "zjj-medical" == argv[0], where
                result = runner.invoke(cli, argv[1:], prog_name="zjj-medical")
                assert 0 == result.exit_code, f"{where}: $ {command}\n{result.output}"
                assert matches(expected, result.output), f"{where}: $ {command}\n{result.output}"
