"""The README's Python example runs and prints what the README shows."""

import contextlib
import io
import re
from pathlib import Path

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
