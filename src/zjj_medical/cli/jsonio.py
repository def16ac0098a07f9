"""JSON in and out for the commands: exact numbers in, errors in the contract's shape out."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, Any, NoReturn

import click

from zjj_medical.contract.jsontext import MAX_DOCUMENT_BYTES, read_json
from zjj_medical.errors import InvalidClaim, ReimbursementError, problem_of
from zjj_medical.i18n import get_language
from zjj_medical.i18n import gettext as _
from zjj_medical.messages import render

__all__ = [
    "EXIT_REFUSED",
    "EXIT_USAGE",
    "dumps_json",
    "error_json",
    "error_text",
    "json_lines",
    "loads_json",
    "read_document",
    "refuse",
]

#: Exit status: the input was refused (nothing, or not everything, could be done).
EXIT_REFUSED = 1
#: Exit status: the command line itself is wrong (click's usage errors).
EXIT_USAGE = 2


def loads_json(text: str | bytes, where: str = "document") -> Any:
    """Parse JSON with numbers read as ``Decimal``, so ``"total": 12.34`` stays exactly 12.34,
    bounded in size and depth, refusing duplicate keys and lone surrogates
    (:func:`zjj_medical.contract.jsontext.read_json`)."""
    return read_json(text, where)


def error_json(exc: ReimbursementError | ValueError) -> dict[str, Any]:
    """``{"error": {type, message, claim_id, field, code, params[, path]}}`` for a library
    error; ``{"error": {type, message, claim_id, field}}`` for input that is not JSON
    (with ``code`` and ``params`` when the ``ValueError`` carries them).

    The message is in the current language (:func:`zjj_medical.i18n.get_language`); every
    other member is language-neutral."""
    if isinstance(exc, ReimbursementError):
        return {"error": exc.to_dict(get_language())}
    error: dict[str, Any] = {
        "type": type(exc).__name__, "message": error_text(exc), "claim_id": None,
        "field": None,
    }  # fmt: skip
    found = problem_of(exc)
    if found is not None:
        error["code"], error["params"] = found
    return {"error": error}


def error_text(exc: BaseException) -> str:
    """An error's message in the current language (a coded error from its template)."""
    if isinstance(exc, ReimbursementError):
        return exc.render(get_language())
    found = problem_of(exc)
    if found is not None:
        return render(found[0], found[1], get_language())
    if isinstance(exc, json.JSONDecodeError):
        return _("not valid JSON: {detail}").format(detail=str(exc))
    return str(exc)


def refuse(exc: BaseException, *, as_json: bool) -> NoReturn:
    """Exit :data:`EXIT_REFUSED` with the error on standard error: as a JSON error when the
    command's output is JSON, else as one line ``错误：…`` / ``Error: …``."""
    if as_json and isinstance(exc, ReimbursementError | ValueError):
        click.echo(dumps_json(error_json(exc)), err=True)
    else:
        click.echo(_("Error: {message}").format(message=error_text(exc)), err=True)
    sys.exit(EXIT_REFUSED)


def _too_long(where: str) -> InvalidClaim:
    return InvalidClaim(
        code="document.size", params={"where": where, "limit": MAX_DOCUMENT_BYTES},
        field="document", path="",
    )  # fmt: skip


def read_document(stream: IO[bytes]) -> bytes:
    """The bytes of a whole document, at most :data:`MAX_DOCUMENT_BYTES` of them (more is an
    ``InvalidClaim``, read no further)."""
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_long("document")
    return data


def json_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | InvalidClaim]]:
    """The lines of a JSON Lines stream as ``(number, bytes)``, blank lines left out.

    Lines end at ``\n`` (or ``\r\n``) only, so a lone ``\r`` inside a line does not
    split it; each line is decoded by its reader, so bytes that are not UTF-8 are that
    line's error only. A line longer than :data:`MAX_DOCUMENT_BYTES` is skipped unread
    and given as its ``InvalidClaim``.
    """
    number = 0
    while True:
        raw = stream.readline(MAX_DOCUMENT_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_DOCUMENT_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(1 << 20)
            yield number, _too_long(_("line {number}").format(number=number))
            continue
        line = raw[:-2] if raw.endswith(b"\r\n") else raw.removesuffix(b"\n")
        if line.strip():
            yield number, line


def dumps_json(value: Any, indent: int | None = None) -> str:
    """JSON text of an output, non-ASCII kept as is; text that cannot be encoded (a lone
    surrogate an error names) is written as a JSON escape instead of failing."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, indent=indent)
    return text
