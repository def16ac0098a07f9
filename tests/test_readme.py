"""The README's Python example runs and prints what the README shows."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_prints_what_it_shows() -> None:
    """The ```python block of the README, run, prints the ```text block that follows it."""
    text = README.read_text("utf-8")
    match = re.search(r"```python\n(.*?)```\s*```text\n(.*?)```", text, re.S)
    assert match is not None
    code, expected = match.groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert expected == out.getvalue()


def _bash_commands() -> list[list[str]]:
    """Every ``zjj-medical`` command of the README's ```bash blocks, as argv (continued lines
    joined, comments dropped)."""
    import shlex

    text = README.read_text("utf-8")
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            argv = shlex.split(line, comments=True)
            if "zjj-medical" in argv:
                out.append(argv[argv.index("zjj-medical") :])
    return out


def test_readme_main_command_leaves_the_working_directory_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The set-up's ``zjj-medical simulate`` prints its summary and writes no file where it
    runs (run here on 2,000 persons instead of the README's 100,000, to stay quick)."""
    from click.testing import CliRunner

    from zjj_medical.cli import cli

    main = next(argv for argv in _bash_commands() if argv[1] == "simulate")
    assert ["zjj-medical", "simulate", "--synthetic", "100000", "--seed", "1"] == main
    argv = [a if a != "100000" else "2000" for a in main[1:]]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, argv, prog_name="zjj-medical")
    assert 0 == result.exit_code, result.output
    assert "Fund cost by layer" in result.output
    assert [] == sorted(p.name for p in tmp_path.iterdir())


def test_readme_commands_write_only_where_they_are_told() -> None:
    """Every file a README command writes (``-o``, ``--plots``, ``--db``) is under the scratch
    directory ``$OUT``; no command reads a path of the checkout (``examples/``)."""
    commands = _bash_commands()
    assert len(commands) > 10
    for argv in commands:
        for option in ("-o", "--output", "--plots", "--db"):
            if option in argv:
                assert argv[argv.index(option) + 1].startswith("$OUT/"), argv
        assert not any(a.startswith("examples/") for a in argv), argv
