"""Keeping the Chinese catalog up to date with the code (a maintainer's command).

``python -m zjj_medical.i18n.catalog`` collects every text a user reads, with Babel:

- the error templates of :data:`zjj_medical.messages.en.MESSAGES`, each under its code as
  the entry's context;
- the texts marked in the code with ``_()`` or ``N_()`` (Babel's Python extractor);
- the help of every command and option of the ``zjj-medical`` command line;

writes them as the template ``locale/zjj_medical.pot``, merges it into the Chinese
``.po`` file (a new text comes in untranslated, a changed one fuzzy) and lists what is
left to translate; ``--check`` changes nothing and exits 1 when the catalog is out of
date or incomplete (the test suite runs the same check).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from zjj_medical.i18n import DOMAIN, catalog_path
from zjj_medical.i18n.clicktext import help_text

__all__ = ["command_texts", "source_texts", "template", "untranslated", "update"]

_PACKAGE = Path(__file__).resolve().parent.parent
_KEYWORDS = {"_": None, "N_": None}


def source_texts() -> Iterator[tuple[str, int, str]]:
    """``(file, line, text)`` for every ``_("…")`` and ``N_("…")`` in the package."""
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(_PACKAGE), method_map=[("**.py", "python")], keywords=_KEYWORDS,
        comment_tags=(), strip_comment_tags=True,
    ):  # fmt: skip
        if isinstance(message, str) and message:
            yield filename, lineno, message


def command_texts(command: click.Command, path: str = "zjj-medical") -> Iterator[tuple[str, str]]:
    """``(where, text)`` for the help of a command, its options and its subcommands."""
    for text in (command.help, command.short_help, command.epilog):
        found = help_text(text)
        if found:
            yield path, found
    for param in command.params:
        found = help_text(getattr(param, "help", None))
        if found:
            yield f"{path} {param.name}", found
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from command_texts(sub, f"{path} {name}")


def template() -> Catalog:
    """The catalog template: every text a user reads, in English."""
    from zjj_medical.cli import cli
    from zjj_medical.messages import en

    pot = Catalog(domain=DOMAIN, project="zjj_medical", fuzzy=False)
    for code, text in sorted(en.MESSAGES.items()):
        pot.add(text, context=code, locations=[("zjj_medical/messages/en.py", 0)])
    for filename, lineno, message in source_texts():
        pot.add(message, locations=[(f"zjj_medical/{filename}", lineno)])
    for where, text in command_texts(cli):
        pot.add(text, locations=[(where.replace(" ", "/"), 0)])
    return pot


def _read(lang: str) -> Catalog:
    with catalog_path(lang).open("rb") as fh:
        return read_po(fh, locale="zh_CN", domain=DOMAIN)


def untranslated(catalog: Catalog) -> list[str]:
    """The entries of a catalog without a translation (or only a fuzzy one)."""
    return [
        f"{m.context + ': ' if m.context else ''}{m.id}"
        for m in catalog
        if m.id and (not m.string or m.fuzzy)
    ]


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
    return out.getvalue()


def update(lang: str = "zh", *, write: bool = True) -> tuple[bool, list[str]]:
    """Merge the template into a language's ``.po`` file: ``(changed, untranslated)``."""
    current = _read(lang)
    before = _entries(current)
    current.update(template(), no_fuzzy_matching=True, update_creation_date=False)
    current.obsolete.clear()
    changed = before != _entries(current)
    if changed and write:
        Path(str(catalog_path(lang))).write_bytes(_po_bytes(current))
    return changed, untranslated(current)


def _entries(catalog: Catalog) -> set[tuple[str | None, str]]:
    """The catalog's entries as (context, text): what "up to date" compares (not the file's
    bytes, which differ between Babel versions in the header)."""
    return {(m.context, str(m.id)) for m in catalog if m.id}


def main(argv: list[str] | None = None) -> int:
    """Update (or ``--check``) the Chinese catalog; print what is untranslated."""
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    changed, missing = update(write=not check)
    for entry in missing:
        print(f"untranslated: {entry}")
    if check and changed:
        print("the catalog is out of date: run python -m zjj_medical.i18n.catalog")
    return 1 if check and (changed or missing) else 0


if __name__ == "__main__":
    raise SystemExit(main())
