"""The command line in the current language: help texts, and click's own words.

Help texts are written in English in the code (``help=`` and docstrings) and are the
catalog's entries; :func:`localize_command` sets each command's and option's help to its
translation just before the command line parses its arguments (the English is kept, so
a later call in another language translates from it again). Click's own words
(``Usage:``, ``Options:``, ``Error: …``, ``Missing option …``) are looked up in the same
catalog by :func:`localize_click`.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import click

from zjj_medical.i18n import N_, gettext

__all__ = ["CLICK_TEXTS", "help_text", "localize_click", "localize_command", "wrap_text"]

#: Click's own words the command line shows (click looks them up with gettext).
CLICK_TEXTS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("%(prog)s, version %(version)s"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("Missing parameter: {param_name}"),
    N_("Missing {param_type}"),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Did you mean {possibility}?"),
    N_("(Did you mean one of: {possibilities}?)"),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Got unexpected extra argument ({args})"),
    N_("Got unexpected extra arguments ({args})"),
    N_("Option {name!r} requires an argument."),
    N_("Option {name!r} requires {nargs} arguments."),
    N_("Option {name!r} does not take a value."),
    N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not {choice}."),
    N_("{value!r} does not match the format {format}."),
    N_("{value!r} does not match the formats {formats}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("Could not open file {filename!r}: {message}"),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("Aborted!"),
    N_("deprecated"),
    N_("unknown error"),
)

_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "utils")
_ORIGINAL = "_zjj_medical_english"


def _click_gettext(message: str) -> str:
    return gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    # Chinese has one form: each English form is its own entry of the catalog
    return gettext(singular if n == 1 else plural)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\uffef]")
_click_wrap_text = click.formatting.wrap_text


def _join_lines(lines: list[str]) -> str:
    """A paragraph's lines as one line: no space between two Chinese characters."""
    out = ""
    for line in (x.strip() for x in lines):
        if out and line and not (_CJK.match(out[-1]) or _CJK.match(line[0])):
            out += " "
        out += line
    return out


def wrap_text(
    text: str,
    width: int = 78,
    initial_indent: str = "",
    subsequent_indent: str = "",
    preserve_paragraphs: bool = False,
) -> str:
    """Click's ``wrap_text`` for text with Chinese: widths in terminal cells (a Chinese
    character is two), lines broken between Chinese characters or at spaces, never inside
    a number or an option; text without Chinese is click's own."""
    if not _CJK.search(text):
        return _click_wrap_text(text, width, initial_indent, subsequent_indent, preserve_paragraphs)
    from rich.cells import cell_len

    from zjj_medical.render.policy_table import wrap

    paragraphs = re.split(r"\n\s*\n", text) if preserve_paragraphs else [text]
    out = []
    for n, para in enumerate(paragraphs):
        first = initial_indent if n == 0 else subsequent_indent
        if para.lstrip(" ").startswith("\b"):
            out.append(_click_wrap_text(para, width, first, subsequent_indent, True))
            continue
        room = max(width - max(cell_len(first), cell_len(subsequent_indent)), 10)
        lines = wrap(_join_lines(para.splitlines()), room).split("\n")
        out.append(
            "\n".join((first if i == 0 else subsequent_indent) + x for i, x in enumerate(lines))
        )
    return "\n\n".join(out)


def localize_click() -> None:
    """Make click look its words up in the catalog, in the current language, and wrap
    Chinese help by terminal cells."""
    click.formatting.wrap_text = wrap_text
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            setattr(module, "_", _click_gettext)  # noqa: B010 (a module's global)
        if hasattr(module, "ngettext"):
            setattr(module, "ngettext", _click_ngettext)  # noqa: B010


def help_text(text: str | None) -> str | None:
    """A command's or option's help as the catalog holds it: dedented, up to a form feed."""
    if not text:
        return None
    return inspect.cleandoc(text).partition("\f")[0]


def _translate(text: str | None) -> str | None:
    if not text:
        return text
    key = help_text(text)
    return gettext(key) if key else text


def _localize(obj: Any, attrs: tuple[str, ...]) -> None:
    original: dict[str, Any] = obj.__dict__.setdefault(
        _ORIGINAL, {a: getattr(obj, a, None) for a in attrs}
    )
    for attr in attrs:
        setattr(obj, attr, _translate(original[attr]))


def localize_command(command: click.Command) -> None:
    """Set the help of a command, its options and its subcommands to the current language."""
    _localize(command, ("help", "short_help", "epilog"))
    if hasattr(command, "_help_option"):  # click ≥ 8.2 keeps the --help option it made
        command._help_option = None
    for param in command.params:
        if isinstance(param, click.Option):
            _localize(param, ("help",))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            localize_command(sub)
