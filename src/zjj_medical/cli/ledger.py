"""``zjj-medical ledger``: settle, pre-settle, reverse, show, reconcile and export with a ledger store."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections.abc import Callable
from typing import IO, Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from zjj_medical.cli.jsonio import (
    dumps_json,
    error_json,
    json_lines,
    loads_json,
    read_document,
    refuse,
)
from zjj_medical.contract.documents import output_document, parse_document
from zjj_medical.contract.fhir import claim_response, fhir_json, to_fhir_claim_response
from zjj_medical.engine.ledger import Ledger
from zjj_medical.errors import InvalidClaim, ReimbursementError
from zjj_medical.i18n import get_language, name_with_id, pgettext
from zjj_medical.i18n import gettext as _
from zjj_medical.messages import render
from zjj_medical.render.explain import LAYER_TERMS
from zjj_medical.render.sheet import settlement_sheet
from zjj_medical.store.access import audit_chain_problems
from zjj_medical.store.backends import is_store_url, persists
from zjj_medical.store.book import LedgerBook, PolicyVersion
from zjj_medical.store.order import posting_note_text
from zjj_medical.store.report import (
    reconciliation,
    reconciliation_table,
    write_reconciliation_csv,
)

__all__ = ["ledger_group"]


_JSON_ERRORS = "zjj_medical.json_errors"


def _fail(exc: ReimbursementError | ValueError) -> NoReturn:
    """Exit 1 with the error: as JSON on standard error when the command prints JSON,
    else as one line ``错误：…`` / ``Error: …``."""
    ctx = click.get_current_context(silent=True)
    as_json = True if ctx is None else bool(ctx.meta.get(_JSON_ERRORS, True))
    refuse(exc, as_json=as_json)


def _book(ctx: click.Context, *, check: bool = True, json_errors: bool = True) -> LedgerBook:
    ctx.meta[_JSON_ERRORS] = json_errors
    db, policies = ctx.obj
    if db is None:
        raise click.UsageError(
            _("Missing option '--db' (the ledger store; or set ZJJ_MEDICAL_DB)."), ctx
        )
    try:
        book = LedgerBook.open(db, *(PolicyVersion.load(p) for p in policies), check=check)
    except ReimbursementError as exc:
        _fail(exc)
    ctx.call_on_close(book.close)
    return book


def _run(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except (ReimbursementError, ValueError) as exc:
        _fail(exc)


def _store_location(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A store URL as given (``open_store`` checks it); a file path checked as before.

    A store that would not persist (an empty name, ``:memory:``, an in-memory SQLite URI)
    is a usage error: the command would exit 0 and keep nothing.
    """
    if value is None:  # each command that opens the store asks for it (help needs none)
        return None
    if not persists(value):
        raise click.BadParameter(render("store.memory", {"db": value}, get_language()), ctx, param)
    if is_store_url(value):
        return value
    return str(click.Path(dir_okay=False).convert(value, param, ctx))


@click.group("ledger")
@click.option(
    "--db", default=None, envvar="ZJJ_MEDICAL_DB", metavar="URL|PATH",
    callback=_store_location,
    help="The ledger store: sqlite:///abs/path.db, sqlite:relative.db or a file path "
    "(a SQLite file, created when absent), or postgresql://user@host/dbname "
    "(needs the postgres extra); env ZJJ_MEDICAL_DB.",
)  # fmt: skip
@click.option(
    "--policy", "policies", multiple=True,
    help="Built-in policy name or policy file; repeat for successive periods "
    "(a claim uses the first in force on its date). Default: zhangjiajie.",
)  # fmt: skip
@click.pass_context
def ledger_group(ctx: click.Context, db: str | None, policies: tuple[str, ...]) -> None:
    """Settle claims against a persistent ledger store (billing integrations).

    Each settlement is one transaction and is idempotent on the claim id; a
    reversal (冲正) re-settles the person-year's later claims and records per
    fund what to refund or charge. The store is an append-only, hash-chained
    journal; `verify` checks it.
    """
    ctx.obj = (db, policies)


def _settle_doc(book: LedgerBook, doc: Any, *, write: bool, trace: bool) -> dict[str, Any]:
    person, claims, given = parse_document(doc)
    book.check_carried_ledger(person, claims, given)
    last: Ledger | None
    if write:
        records = book.settle_all(claims, person)
        settlements = [r.settlement for r in records]
        # the ledger after the document's last claim as it was settled: a re-sent document
        # gets its first response again, byte for byte, whatever was posted since
        last = settlements[-1].ledger if settlements else given
        for r in records:
            if r.posting_note:
                click.echo(
                    _("note: claim {claim_id}: {note}").format(
                        claim_id=r.claim_id, note=posting_note_text(r.posting_note)
                    ),
                    err=True,
                )
    else:
        settlements = book.presettle_all(claims, person)
        last = settlements[-1].ledger if settlements else given
    return output_document(settlements, last, trace=trace)


@ledger_group.command("settle")
@click.argument("file", type=click.File("rb"))
@click.option("--lines", is_flag=True, help="FILE is JSON Lines: one person-year document a line.")
@click.option("--no-trace", is_flag=True, help="Leave the explanation trace out.")
@click.pass_context
def settle_command(ctx: click.Context, file: IO[bytes], lines: bool, no_trace: bool) -> None:
    """Settle the claims of a person-year document FILE and store them (- for standard input).

    A document's claims are stored together or not at all. Settling a stored claim
    again with the same content prints its response as first printed; with other
    content it is an error (DuplicateClaim). The document's ``ledger`` must be null or
    the store's own: the store holds the ledger. The ``ledger`` printed is the one after
    the document's last claim. A claim dated before a claim already posted for its
    person-year is posted after it, with a note (on standard error and in the store).
    """
    book = _book(ctx)

    def one(text: bytes, where: str) -> dict[str, Any]:
        return _settle_doc(book, loads_json(text, where), write=True, trace=not no_trace)

    if not lines:
        out = _run(lambda: one(read_document(file), "document"))
        click.echo(dumps_json(out, indent=2))
        return
    failed = 0
    for number, line in json_lines(file):
        try:
            if isinstance(line, InvalidClaim):
                raise line
            click.echo(dumps_json(one(line, f"line {number}")))
        except (ReimbursementError, ValueError) as exc:
            failed += 1
            err = error_json(exc)
            err["error"]["line"] = number
            click.echo(dumps_json(err))
    if failed:
        click.echo(_("{failed} line(s) failed").format(failed=failed), err=True)
        sys.exit(1)


@ledger_group.command("presettle")
@click.argument("file", type=click.File("rb"))
@click.option("--no-trace", is_flag=True, help="Leave the explanation trace out.")
@click.pass_context
def presettle_command(ctx: click.Context, file: IO[bytes], no_trace: bool) -> None:
    """预结算: what the claims of FILE would get now, from the stored ledger; nothing is written."""
    book = _book(ctx)

    def presettle() -> dict[str, Any]:
        doc = loads_json(read_document(file))
        return _settle_doc(book, doc, write=False, trace=not no_trace)

    out = _run(presettle)
    click.echo(dumps_json(out, indent=2))


@ledger_group.command("reverse")
@click.argument("claim_id")
@click.pass_context
def reverse_command(ctx: click.Context, claim_id: str) -> None:
    """冲正 / 退费重算: reverse CLAIM_ID and re-settle the person-year's later claims.

    The store's journal gains a reversing posting and one adjusting posting per later
    claim; nothing is erased.

    Prints the refund per fund of the reversed claim, each later claim's change per
    fund (new − old: positive, the fund pays more; negative, it is refunded) and the
    net per fund.
    """
    book = _book(ctx)
    reversal = _run(lambda: book.reverse(claim_id))
    click.echo(json.dumps(reversal.to_dict(), ensure_ascii=False, indent=2))


def _ledger_table(ledger_dict: dict[str, Any]) -> Table:
    table = Table(
        title=_("Ledger of {person_id} for {year}").format(
            person_id=ledger_dict["person_id"], year=ledger_dict["year"]
        )
    )
    headings = (_("Layer"), _("Base"), _("Paid"), _("Deductible borne"))
    for i, name in enumerate(headings):
        table.add_column(name, justify="left" if i == 0 else "right")
    lang = get_language()
    for layer, state in ledger_dict["layers"].items():
        chinese = LAYER_TERMS.get(layer, ("",))[0] if lang == "zh" else ""
        shown = name_with_id(layer, chinese or None, lang)
        table.add_row(shown, state["base"], state["paid"], state["deductible"])
    return table


@ledger_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def verify_command(ctx: click.Context, as_json: bool) -> None:
    """Check the store: every hash of the journal's chain, and every person-year re-settled.

    Each claim is settled again in posting order, under the policy version it was
    settled under (give its file with --policy), and compared with the journal and
    with the stored ledgers and settlements. Exit 0 with a summary; 1 with each
    problem (which posting, what differs).
    """
    book = _book(ctx, check=False, json_errors=as_json)
    report = _run(book.verify)
    if as_json:
        out = {
            "ok": report.ok,
            "summary": report.summary(),
            "problems": [p.to_dict() for p in report.problems],
        }
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            click.echo(render(problem.code, dict(problem.params), get_language()))
        click.echo(
            _(
                "{postings} postings, chain head {seq} {hash}; {years} person-year(s), "
                "{claims} current claims re-settled from the journal: {result}"
            ).format(
                postings=report.postings,
                seq=report.head[0],
                hash=report.head[1],
                years=report.person_years,
                claims=report.claims,
                result=_("ok") if report.ok else _("{n} problem(s)").format(n=len(report.problems)),
            )
        )
    if not report.ok:
        sys.exit(1)


@ledger_group.command("show")
@click.argument("person_id")
@click.option("--year", type=int, default=None, help="Ledger year (default: the latest stored).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored records as JSON.")
@click.pass_context
def show_command(ctx: click.Context, person_id: str, year: int | None, as_json: bool) -> None:
    """Show a person-year's ledger and its settlements as one-stop settlement sheets."""
    book = _book(ctx, json_errors=as_json)
    if year is None:
        years = book.store.years(person_id)
        if not years:
            raise click.ClickException(
                _("person {person_id}: nothing stored").format(person_id=person_id)
            )
        year = years[-1]
    records = book.settlements(person_id, year)
    ledger = book.ledger(person_id, year)
    if as_json:
        out = {"ledger": ledger.to_dict(), "settlements": [r.to_dict() for r in records]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    console = Console()
    console.print(_ledger_table(ledger.to_dict()))
    console.print(
        _("Claims settled: {claims}").format(claims=", ".join(ledger.claim_ids) or _("none"))
    )
    if records:
        policy = book.policy_for(records[-1].date).policy
        console.print(
            settlement_sheet([r.settlement for r in records], records[-1].parsed_person(), policy)
        )


@ledger_group.command("report")
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Claim date.")
@click.option("--facility", default=None, help="Facility key: facility id or tier@county.")
@click.option(
    "--csv", "csv_out", default=None, metavar="OUT",
    help="Also write the rows as CSV to OUT (- : CSV on standard output, no table).",
)  # fmt: skip
@click.pass_context
def report_command(
    ctx: click.Context, day: dt.datetime, facility: str | None, csv_out: str | None
) -> None:
    """对账: per fund (layer), the claims and amounts of a claim date, per facility.

    Rows ``total`` and ``patient_pay`` give the claims' total cost and the patients'
    share, so each (date, facility) balances: total = funds + patient_pay.
    """
    book = _book(ctx, json_errors=False)
    rows = reconciliation(book.store, date=day.date(), facility=facility)
    if csv_out == "-":
        buf = io.StringIO()
        write_reconciliation_csv(rows, buf)
        click.echo(buf.getvalue(), nl=False)
        return
    if csv_out is not None:
        with open(csv_out, "w", encoding="utf-8", newline="") as out:
            write_reconciliation_csv(rows, out)
    title = _("Reconciliation {date}").format(date=day.date().isoformat()) + (
        f" {facility}" if facility else ""
    )
    Console().print(reconciliation_table(rows, title=title))


@ledger_group.command("export-fhir")
@click.argument("claim_id")
@click.pass_context
def export_fhir_command(ctx: click.Context, claim_id: str) -> None:
    """Print CLAIM_ID's stored settlement as an HL7 FHIR R4 ClaimResponse (JSON).

    Needs the optional extra: pip install 'zjj_medical[fhir]'.
    """
    book = _book(ctx)
    record = _run(lambda: book.settlement(claim_id))
    try:  # validated by the FHIR model; printed from our data so decimals stay exact
        to_fhir_claim_response(record.settlement, created=record.settled_at)
    except ImportError:
        raise click.ClickException(
            _("the FHIR export needs the optional extra: pip install 'zjj_medical[fhir]'")
        ) from None
    click.echo(fhir_json(claim_response(record.settlement, created=record.settled_at)))


@ledger_group.command("audit")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@click.option("--after", default=0, type=click.IntRange(min=0), help="Only records after SEQ.")
@click.option("--limit", default=None, type=click.IntRange(min=1), help="At most N records.")
@click.option(
    "--db", "db", default=None, metavar="URL|PATH", callback=_store_location,
    help="The ledger store (as the group's --db).",
)  # fmt: skip
@click.pass_context
def audit_command(
    ctx: click.Context, as_json: bool, after: int, limit: int | None, db: str | None
) -> None:
    """The audit trail of the settlement service: every write (settle, reverse, token
    create or revoke) with who (token id, role, facility), when, the request id, a hash
    of the request body and the status answered.

    The trail is append-only and hash-chained; a record that does not follow from the
    one before is reported and the command exits 1.
    """
    if db is not None:
        ctx.obj = (db, ctx.obj[1])
    book = _book(ctx)
    records = book.store.audit(after=after, limit=limit)
    whole = book.store.audit() if after == 0 and limit is None else None
    lang = "en" if as_json else get_language()  # the JSON output's texts stay English
    problems = audit_chain_problems(records if whole is None else whole, lang) if after == 0 else []
    if as_json:
        out = {"ok": not problems, "problems": problems,
               "records": [r.to_dict() for r in records]}  # fmt: skip
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        table = Table(title=_("audit trail"))
        columns = (
            ("seq", pgettext("audit", "seq", lang)),
            ("at", pgettext("audit", "at", lang)),
            ("action", pgettext("audit", "action", lang)),
            ("actor", pgettext("audit", "actor", lang)),
            ("role", pgettext("audit", "role", lang)),
            ("facility", pgettext("audit", "facility", lang)),
            ("request_id", pgettext("audit", "request_id", lang)),
            ("target", pgettext("audit", "target", lang)),
            ("status", pgettext("audit", "status", lang)),
            ("outcome", pgettext("audit", "outcome", lang)),
        )
        for name, heading in columns:
            table.add_column(heading, justify="right" if name in ("seq", "status") else "left")
        for r in records:
            table.add_row(str(r.seq), r.at, r.action, r.actor, r.role, r.facility or "",
                          r.request_id, r.target, str(r.status), r.outcome)  # fmt: skip
        Console(width=200).print(table)
        for problem in problems:
            click.echo(problem, err=True)
    if problems:
        sys.exit(1)
