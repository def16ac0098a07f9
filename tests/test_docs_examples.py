"""Run every example of the documentation (docs/**/*.md) and check what it prints.

A page's examples run in order, in one namespace, in an empty scratch directory outside the
checkout (the example documents come from the installed package, :mod:`zjj_medical.examples`):

- a ```` ```python ```` block runs; what it prints must equal the ```` ```text ```` block
  right after it, where ``...`` stands for any text (and a block that prints with no such
  block fails);
- a ```` ```python ```` block that starts with ``>>>`` is a doctest session, checked by
  :mod:`doctest` in the page's namespace;
- a ```` ```console ```` block holds ``$ zjj-medical …`` commands, each followed by its
  output (``...`` as above), run with click's test runner (80 columns);
- a block preceded by ``<!-- no-test -->`` (for a real reason, said beside it), or whose
  info string has a ``title=``, is shown but not run. Other languages (``bash``, ``json``,
  ``yaml``) are shown, not run.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zjj_medical.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(r"^( *)(`{3,})(\S*)(.*)$")
SKIP = "<!-- no-test -->"
CHECKER = doctest.OutputChecker()


def same(expected: str, actual: str) -> bool:
    """``actual`` is what ``expected`` shows, trailing spaces aside, ``...`` matching any text."""

    def norm(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.splitlines()).strip() + "\n"

    return CHECKER.check_output(norm(expected), norm(actual), doctest.ELLIPSIS)


@dataclass
class Block:
    """One fenced block of a page."""

    lang: str
    info: str
    code: str
    line: int
    skipped: bool


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown page, in order.

    A fence may be indented (inside an admonition or a details block); its body is
    dedented by the fence's indentation.
    """
    out: list[Block] = []
    lines = text.splitlines()
    i = 0
    previous = ""
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        indent, ticks, lang, info = m.groups()
        start = i + 1
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].rstrip() != indent + ticks:
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        out.append(Block(lang, info, "\n".join(body) + "\n", start, previous == SKIP))
        previous = ""
        i += 1
    return out


def pages() -> list[str]:
    """Every documentation page with examples, relative to docs/."""
    out = []
    for path in sorted(DOCS.rglob("*.md")):
        rel = path.relative_to(DOCS).as_posix()
        if any(b.lang in ("python", "console") for b in blocks(path.read_text("utf-8"))):
            out.append(rel)
    return out


def _run_python(block: Block, namespace: dict[str, Any], where: str) -> str:
    if block.code.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(block.code, namespace, where, where, block.line)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        report = io.StringIO()
        runner.run(test, out=report.write, clear_globs=False)
        assert 0 == runner.failures, report.getvalue()
        return ""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(block.code, where, "exec"), namespace)
    return buf.getvalue()


def _commands(block: Block) -> Iterator[tuple[str, str]]:
    command: str | None = None
    output: list[str] = []
    for line in block.code.splitlines():
        if line.startswith("$ "):
            if command is not None:
                yield command, "\n".join(output)
            command, output = line[2:], []
        else:
            output.append(line)
    if command is not None:
        yield command, "\n".join(output)


def _run_console(block: Block, where: str) -> None:
    runner = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    for command, expected in _commands(block):
        argv = shlex.split(command)
        assert "zjj-medical" == argv[0], f"{where}: only zjj-medical commands run: {command}"
        result = runner.invoke(cli, argv[1:], prog_name="zjj-medical")
        assert same(expected, result.output), f"{where}: $ {command}\n{result.output}"


@pytest.mark.parametrize("page", pages())
def test_page_examples(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every example of the page runs, in order, and prints what the page shows."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    page_blocks = blocks((DOCS / page).read_text("utf-8"))
    namespace: dict[str, Any] = {"__name__": f"docs:{page}"}
    for n, block in enumerate(page_blocks):
        where = f"docs/{page}:{block.line}"
        if block.skipped or "title=" in block.info:
            continue
        if block.lang == "console":
            _run_console(block, where)
        elif block.lang == "python":
            printed = _run_python(block, namespace, where)
            following = page_blocks[n + 1] if n + 1 < len(page_blocks) else None
            if following is not None and following.lang == "text":
                assert same(following.code, printed), f"{where}:\n{printed}"
            else:
                assert "" == printed, f"{where}: prints output that no ```text block shows"


def test_ellipsis_matches_any_text() -> None:
    """``...`` in a shown output matches any lines; other differences fail."""
    assert same("a\n...\nd\n", "a\nb\nc\nd\n")
    assert not same("a\nd\n", "a\nb\nd\n")


def test_fences_are_read() -> None:
    """The block reader finds languages, bodies and the no-test marker."""
    text = "x\n\n```python\nprint(1)\n```\n\n```text\n1\n```\n\n<!-- no-test -->\n```python\nboom\n```\n"
    found = blocks(text)
    expected = [("python", "print(1)\n", False), ("text", "1\n", False), ("python", "boom\n", True)]
    assert expected == [(b.lang, b.code, b.skipped) for b in found]


def test_indented_fences_are_read() -> None:
    """A fence inside a details block is found and its body dedented."""
    text = '??? note "As text"\n\n    ```console\n    $ zjj-medical --version\n    x\n    ```\n'
    found = blocks(text)
    assert [("console", "$ zjj-medical --version\nx\n")] == [(b.lang, b.code) for b in found]


def test_python_block_output_is_captured() -> None:
    """What a python block prints is what the page's text block is compared with."""
    (block,) = blocks("```python\nprint(2)\n```\n")
    assert "2\n" == _run_python(block, {}, "x.md:1")


def test_a_wrong_doctest_fails() -> None:
    """A doctest block whose shown output is wrong is reported, with the failing example."""
    (block,) = blocks("```python\n>>> 1 + 1\n3\n```\n")
    with pytest.raises(AssertionError, match="Expected:"):
        _run_python(block, {}, "x.md:1")


def test_a_wrong_console_output_fails() -> None:
    """A console block whose shown output differs from the command's is reported."""
    (block,) = blocks("```console\n$ zjj-medical --version\nnot the version\n```\n")
    with pytest.raises(AssertionError, match=r"x\.md:1: \$ zjj-medical --version"):
        _run_console(block, "x.md:1")


#: The pages a county's staff read first; each has a Chinese page beside it (``page.zh.md``).
FIRST_READ = [
    "index.md",
    "tutorial/index.md",
    "tutorial/install.md",
    "tutorial/first-claim.md",
    "tutorial/settlement-sheet.md",
    "tutorial/second-claim.md",
    "tutorial/first-simulation.md",
    "how-to/county-policy.md",
    "how-to/billing-integration.md",
    "how-to/his-http.md",
    "how-to/clerk-page.md",
    "glossary.md",
    "reference/errors.md",
]


def _zh(page: str) -> Path:
    return DOCS / f"{page.removesuffix('.md')}.zh.md"


def _runnable(path: Path) -> list[tuple[str, str]]:
    """The blocks a page runs or checks, in order."""
    return [
        (b.lang, b.code)
        for b in blocks(path.read_text("utf-8"))
        if b.lang in ("python", "console", "text") and not b.skipped
    ]


def test_the_first_read_pages_are_in_chinese_and_are_run() -> None:
    """Each first-read page has its Chinese page, and the Chinese pages' examples are among
    the pages this module runs."""
    missing = [page for page in FIRST_READ if not _zh(page).is_file()]
    assert [] == missing
    run = set(pages())
    assert {_zh(p).relative_to(DOCS).as_posix() for p in FIRST_READ if _runnable(_zh(p))} <= run


@pytest.mark.parametrize("page", [p for p in FIRST_READ if p != "index.md"])
def test_a_chinese_page_runs_the_examples_of_its_english_page(page: str) -> None:
    """A translation shows the same examples as the English page, in the same order (the home
    page is the exception: the Chinese one holds the quick start): the same code and output;
    for the command line, the same commands, run in Chinese (``--lang zh``) on the Chinese
    page, whose outputs (checked by ``test_page_examples``) are then in Chinese."""

    def commands(blocks: list[tuple[str, str]], chinese: bool) -> list[tuple[str, str]]:
        out = []
        for lang, code in blocks:
            if lang == "console" and chinese:
                lines = [ln for ln in code.splitlines() if ln.startswith("$ ")]
                in_chinese = ("$ zjj-medical --lang zh ", "$ zjj-medical --version")
                assert all(ln.startswith(in_chinese) for ln in lines), lines
                code = "\n".join(ln.replace(" --lang zh", "", 1) for ln in lines)
            elif lang == "console":
                code = "\n".join(ln for ln in code.splitlines() if ln.startswith("$ "))
            out.append((lang, code))
        return out

    english, chinese = _runnable(DOCS / page), _runnable(_zh(page))
    assert commands(english, False) == commands(chinese, True)
    # outputs of Python and of text blocks are the same in both languages
    assert [b for b in english if b[0] != "console"] == [b for b in chinese if b[0] != "console"]


def test_the_chinese_error_table_lists_every_code_in_chinese() -> None:
    """The errors reference's table in Chinese: a Chinese header, the same codes in the same
    order, each code's meaning in Chinese."""
    from zjj_medical.render.error_codes import code_rows, code_table

    zh, en = code_table("zh").splitlines(), code_table("en").splitlines()
    assert zh[0].startswith("| 代码")
    assert en[0].startswith("| code |")
    assert [r[0] for r in code_rows("zh")] == [r[0] for r in code_rows("en")]
    assert len(zh) == len(en)
    english = {code: text for code, text, _example in code_rows("en")}
    assert [c for c, m, _e in code_rows("zh") if m == english[c]] == []
