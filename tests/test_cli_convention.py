"""One convention for every command: help always works, errors are JSON only where the
output is JSON (else one ``Error: …`` / ``错误：…`` line), exit codes 0 / 1 / 2; and every
command runs in Chinese and in English."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from zjj_medical import examples
from zjj_medical.cli import cli

EXAMPLE = examples.path("sangzhi_poor_household.json")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            out += _paths(sub, (*path, name))
    return out


COMMANDS = _paths(cli)


def _run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Any:
    return CliRunner(env=env).invoke(cli, list(args), input=input)


# -- help ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "zjj-medical")
def test_help_in_english(path: tuple[str, ...]) -> None:
    result = _run("--lang", "en", *path, "--help")
    assert 0 == result.exit_code, result.output
    assert result.output.startswith("Usage: ")
    assert "Show this message and exit." in result.output


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "zjj-medical")
def test_help_in_chinese(path: tuple[str, ...]) -> None:
    """The help is Chinese: click's words and the command's own (every command's help has
    a Chinese translation, so its first line differs from the English one)."""
    result = _run("--lang", "zh", *path, "--help")
    assert 0 == result.exit_code, result.output
    assert result.output.startswith("用法：")
    assert "显示此帮助并退出。" in result.output
    english = _run("--lang", "en", *path, "--help").output
    assert english != result.output
    described = [line for line in result.output.splitlines()[2:] if line.strip()]
    assert CJK.search(described[0]), described[0]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "zjj-medical")
def test_chinese_help_fits_80_columns(path: tuple[str, ...]) -> None:
    """Chinese help is wrapped by terminal cells (a Chinese character is two), between
    characters or at spaces; only the examples kept as written may be longer."""
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["--lang", "zh", *path, "--help"])
    assert 0 == result.exit_code, result.output
    for line in result.output.splitlines():
        if not line.lstrip().startswith("zjj-medical "):
            assert cell_len(line) <= 80, line


@pytest.mark.parametrize(
    "sub",
    sorted(cli.commands["ledger"].commands),  # type: ignore[attr-defined]
)
def test_ledger_subcommand_help_needs_no_store(sub: str) -> None:
    result = _run("ledger", sub, "--help", env={"ZJJ_MEDICAL_DB": ""})
    assert 0 == result.exit_code, result.output


def test_language_from_the_environment_then_the_option() -> None:
    zh = _run("policy", "--help", env={"ZJJ_MEDICAL_LANG": "zh"})
    assert "查看和校验政策文件。" in zh.output
    en = _run("--lang", "en", "policy", "--help", env={"ZJJ_MEDICAL_LANG": "zh"})
    assert "Inspect and validate policy files." in en.output
    locale = _run("policy", "--help", env={"ZJJ_MEDICAL_LANG": "", "LC_ALL": "zh_CN.UTF-8"})
    assert "查看和校验政策文件。" in locale.output


def test_an_unknown_language_is_a_usage_error() -> None:
    result = _run("--lang", "fr", "policy", "list")
    assert 2 == result.exit_code


# -- exit codes and the shape of errors ------------------------------------------------------
BAD_DOC = json.dumps({"person": {"id": "P", "poor": "可能", "county": "sangzhi"}, "claims": []})


@pytest.mark.parametrize(
    "args", [("settle", "-"), ("settle", "--format", "nhsa", "-"), ("premium", "--year", "1990")]
)
def test_json_output_gives_a_json_error(args: tuple[str, ...]) -> None:
    result = _run("--lang", "zh", *args, input=BAD_DOC)
    assert 1 == result.exit_code
    error = json.loads(result.stderr)["error"]
    assert {"type", "message", "code", "field"} <= set(error)
    assert CJK.search(error["message"])
    assert "" == result.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sheet_output_gives_one_plain_line(lang: str) -> None:
    result = _run("--lang", lang, "settle", "--format", "sheet", "-", input=BAD_DOC)
    assert 1 == result.exit_code
    lines = result.stderr.strip().splitlines()
    assert 1 == len(lines)
    assert lines[0].startswith("错误：" if lang == "zh" else "Error: ")
    assert "可能" in lines[0]
    assert "" == result.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_policy_show_refuses_a_date_before_the_policy(lang: str) -> None:
    result = _run("--lang", lang, "policy", "show", "--date", "2000-01-01")
    assert 1 == result.exit_code
    expected = (
        "错误：zhangjiajie 在 2000-01-01 不生效：自 2019-01-01 起生效"
        if lang == "zh"
        else "Error: zhangjiajie is not in force on 2000-01-01: it is in force from 2019-01-01"
    )
    assert expected == result.stderr.strip()


@pytest.mark.parametrize(
    "args",
    [
        ("policy", "validate", "no-such.yaml"),
        ("policy", "show", "no-such.yaml"),
        ("simulate", "--synthetic", "10", "--seed", "1", "--policy", "no-such.yaml"),
    ],
)
def test_table_and_text_output_gives_one_plain_line(args: tuple[str, ...]) -> None:
    result = _run("--lang", "zh", *args)
    assert 1 == result.exit_code
    lines = result.stderr.strip().splitlines()
    assert 1 == len(lines), result.stderr
    assert lines[0].startswith("错误：no-such.yaml：没有此政策文件")


@pytest.mark.parametrize(
    "args",
    [
        ("settle",),
        ("settle", "--format", "pdf", "-"),
        ("premium",),
        ("policy", "show", "--date", "yesterday"),
        ("policy", "validate"),
        ("simulate", "--synthetic", "10"),
        ("ledger", "show", "P1"),
        ("ledger", "report"),
        ("nope",),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = _run("--lang", "zh", *args, env={"ZJJ_MEDICAL_DB": ""})
    assert 2 == result.exit_code, result.output
    assert "错误：" in result.stderr or "错误：" in result.output


# -- every command runs in both languages ----------------------------------------------------
def _store(tmp_path: Path) -> list[str]:
    db = tmp_path / "ledger.db"
    result = _run("ledger", "--db", str(db), "settle", str(EXAMPLE))
    assert 0 == result.exit_code, result.output
    return ["ledger", "--db", str(db)]


RUNS: dict[str, Any] = {
    "settle": lambda t: ["settle", str(EXAMPLE)],
    "settle sheet": lambda t: ["settle", "--format", "sheet", str(EXAMPLE)],
    "premium": lambda t: ["premium", "--year", "2020", "--poor", "--county", "桑植县"],
    "policy list": lambda t: ["policy", "list"],
    "policy show": lambda t: ["policy", "show", "--date", "2019-10-01", "--width", "80"],
    "policy validate": lambda t: ["policy", "validate", "zhangjiajie"],
    "ledger presettle": lambda t: [*_store(t), "presettle", str(EXAMPLE)],
    "ledger show": lambda t: [*_store(t), "show", "SZ-0001"],
    "ledger report": lambda t: [*_store(t), "report", "--date", "2019-11-03"],
    "ledger verify": lambda t: [*_store(t), "verify"],
    "ledger reverse": lambda t: [*_store(t), "reverse", "SZ-0001-A2"],
    "simulate": lambda t: ["simulate", "--synthetic", "30", "--seed", "1", "--width", "120"],
}

#: What each command prints in Chinese that it does not print in English (and back).
WORDS = {
    "settle sheet": ("一站式结算单 — 理赔", "one-stop settlement"),
    "policy list": ("未指定政策时", "Without a policy"),
    "policy show": ("适用条件", "eligibility"),
    "policy validate": ("有效的政策", "valid policy"),
    "ledger show": ("已结算的理赔", "Claims settled"),
    "ledger report": ("对账", "Reconciliation"),
    "ledger verify": ("条记账", "postings"),
    "simulate": ("合成人群", "synthetic population"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", sorted(RUNS))
def test_every_command_runs_in_both_languages(name: str, lang: str, tmp_path: Path) -> None:
    args = RUNS[name](tmp_path)
    result = _run("--lang", lang, *args)
    assert 0 == result.exit_code, result.output
    if name in WORDS:
        zh, en = WORDS[name]
        assert (zh if lang == "zh" else en) in result.output
        assert (en if lang == "zh" else zh) not in result.output


def test_json_keys_do_not_follow_the_language() -> None:
    zh = json.loads(_run("--lang", "zh", "settle", "--no-trace", str(EXAMPLE)).output)
    en = json.loads(_run("--lang", "en", "settle", "--no-trace", str(EXAMPLE)).output)
    assert zh == en
