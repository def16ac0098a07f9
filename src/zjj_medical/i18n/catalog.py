"""Keeping the Chinese catalog up to date with the code (a maintainer's command).

``python -m zjj_medical.i18n.catalog`` collects every text a user reads, with Babel:

- the error templates of :data:`zjj_medical.messages.en.MESSAGES`, each under its code as
  the entry's context;
- what each family of codes means (:data:`zjj_medical.messages.en.MEANINGS`), each under
  ``meaning:`` and its family as the entry's context;
- the texts marked in the code with ``_()`` or ``N_()``, and those of a
  ``pgettext("context", "…")`` call under their context (a word that needs another
  translation in one place: Babel's Python extractor);
- the help of every command and option of the ``zjj-medical`` command line;
- the reasons of the assumptions of the built-in policy files, under ``policy-text``
  (:func:`zjj_medical.i18n.policy_text`);

merges them into the Chinese ``.po`` file (a new text comes in untranslated; one the code
no longer has is dropped), compiles the ``.mo`` file that is read at run time, and lists
what is left to translate; ``--check`` changes nothing and exits 1 when either file is out
of date or a text is untranslated (the test suite runs the same checks).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from zjj_medical.i18n import DOMAIN, POLICY_TEXT, catalog_path
from zjj_medical.i18n.clicktext import help_text

__all__ = [
    "command_texts",
    "compiled",
    "compiled_is_current",
    "policy_file_texts",
    "source_texts",
    "template",
    "untranslated",
    "update",
]

_PACKAGE = Path(__file__).resolve().parent.parent
_KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "pgettext": ((1, "c"), 2)}


def source_texts() -> Iterator[tuple[str, int, str, str | None]]:
    """``(file, line, text, context)`` for every ``_("…")``, ``N_("…")`` and
    ``pgettext("context", "…")`` in the package (``context`` ``None`` for the first two)."""
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(_PACKAGE), method_map=[("**.py", "python")], keywords=_KEYWORDS,
        comment_tags=(), strip_comment_tags=True,
    ):  # fmt: skip
        if isinstance(message, str) and message:
            yield filename, lineno, message, context


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
    for family, text in sorted(en.MEANINGS.items()):
        pot.add(
            text, context=en.MEANING_CONTEXT + family, locations=[("zjj_medical/messages/en.py", 0)]
        )
    for filename, lineno, message, context in source_texts():
        pot.add(message, context=context, locations=[(f"zjj_medical/{filename}", lineno)])
    for where, text in command_texts(cli):
        pot.add(text, locations=[(where.replace(" ", "/"), 0)])
    for where, text in policy_file_texts():
        pot.add(text, context=POLICY_TEXT, locations=[(where, 0)])
    return pot


def policy_file_texts() -> Iterator[tuple[str, str]]:
    """``(file, text)`` for the reason of every assumption of the built-in policy files
    (runs of spaces as one), in the files' order."""
    from zjj_medical.policy.yamlio import read_policy_file

    folder = _PACKAGE / "data" / "policies"
    for path in sorted(folder.glob("*.yaml")):

        def walk(node: Any) -> Iterator[str]:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "reason" and isinstance(value, str):
                        yield " ".join(value.split())
                    else:
                        yield from walk(value)
            elif isinstance(node, list):
                for value in node:
                    yield from walk(value)

        from zjj_medical.policy.yamlio import read_policy_text

        doc = read_policy_text(read_policy_file(path), str(path))
        for text in walk(doc):
            yield f"zjj_medical/data/policies/{path.name}", text


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
    if write and (changed or not compiled_is_current(lang)):
        Path(str(catalog_path(lang, ".mo"))).write_bytes(compiled(_read(lang)))
    return changed, untranslated(current)


def compiled(catalog: Catalog) -> bytes:
    """A catalog compiled to a GNU ``.mo`` file (fuzzy entries left out)."""
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compiled_is_current(lang: str = "zh") -> bool:
    """Whether the shipped ``.mo`` file holds exactly the translations of the ``.po`` file."""
    import gettext

    mo = catalog_path(lang, ".mo")
    if not mo.is_file():
        return False
    with mo.open("rb") as fh:
        shipped = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    fresh = gettext.GNUTranslations(io.BytesIO(compiled(_read(lang))))._catalog  # type: ignore[attr-defined]
    return bool(shipped == fresh)


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
    stale = check and not compiled_is_current()
    if check and (changed or stale):
        print("the catalog is out of date: run python -m zjj_medical.i18n.catalog")
    return 1 if check and (changed or stale or missing) else 0


if __name__ == "__main__":
    raise SystemExit(main())
