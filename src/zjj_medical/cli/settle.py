"""``zjj-medical settle`` and ``zjj-medical premium``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import IO

import click
from rich.console import Console

from zjj_medical.cli.jsonio import (
    dumps_json,
    error_json,
    json_lines,
    loads_json,
    read_document,
    refuse,
)
from zjj_medical.contract.documents import output_document, parse_document, settle_parsed
from zjj_medical.contract.platform import request_document, to_platform
from zjj_medical.contract.signature import ledger_key
from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.people import Person
from zjj_medical.engine.premium import premium
from zjj_medical.engine.settlement import Settlement
from zjj_medical.errors import InvalidClaim, ReimbursementError
from zjj_medical.i18n import gettext as _
from zjj_medical.policy.loader import builtin_for, load_policy
from zjj_medical.policy.model import Policy
from zjj_medical.render.sheet import settlement_sheet

__all__ = ["premium_command", "settle_command"]


def _policy_of(settlements: list[Settlement], given: Policy | None) -> Policy:
    """The policy the settlements were settled under (the given one, or the built-in in force
    on their date)."""
    if given is not None or not settlements:
        return given or builtin_for(dt.date.today())
    return builtin_for(settlements[0].date)


@click.command("settle")
@click.argument("file", type=click.File("rb"))
@click.option("--lines", is_flag=True, help="FILE is JSON Lines: one person-year document a line.")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "sheet", "nhsa"]), default="json",
    show_default=True,
    help="json: the output document of the JSON contract; sheet: a one-stop settlement sheet "
    "(一站式结算单); nhsa: each settlement in the national platform's shape (setlinfo and "
    "setldetail).",
)  # fmt: skip
@click.option(
    "--policy",
    "policy_name",
    default=None,
    help="Built-in policy name or a policy file (default: the built-in Zhangjiajie policy in "
    "force on each claim's date).",
)
@click.option(
    "--no-trace", is_flag=True, help="Leave the explanation trace out of the JSON output."
)
@click.option(
    "--input",
    "shape",
    type=click.Choice(["json", "nhsa"]),
    default="json",
    show_default=True,
    help="json: a person-year document of the JSON contract; nhsa: a settlement request in "
    "the national platform's field names (one discharge with its feedetail, and insured and "
    "facility for the facts the platform does not carry).",
)
def settle_command(
    file: IO[bytes], lines: bool, fmt: str, policy_name: str | None, no_trace: bool, shape: str
) -> None:
    """Settle a person-year document FILE (JSON, or - for standard input).

    Prints the output document: per claim the payments of every layer, the
    reimbursed amount, the patient's share, the actual ratio and the trace; and
    the ledger to carry to the next claim. A bad input exits 1 with an error on
    standard error naming the claim and the field (a JSON error for the JSON formats,
    one line for the sheet); with --lines a bad line gives an error line and the
    stream goes on.

    When the environment variable ZJJ_MEDICAL_LEDGER_KEY is set, the ledger printed
    carries its HMAC-SHA256 signature, and a ledger handed in must carry a valid one.
    """
    as_json = fmt != "sheet"
    try:
        policy = None if policy_name is None else load_policy(policy_name)
    except ReimbursementError as exc:
        refuse(exc, as_json=as_json)
    console = Console()
    key = ledger_key()

    def run(text: bytes, where: str) -> tuple[Person, list[Settlement], Ledger | None]:
        data = loads_json(text, where)
        doc = request_document(data) if shape == "nhsa" else data
        person, claims, ledger = parse_document(doc, key=key)
        settlements = settle_parsed(person, claims, ledger, policy=policy)
        return person, settlements, settlements[-1].ledger if settlements else ledger

    def show(result: tuple[Person, list[Settlement], Ledger | None], indent: int | None) -> None:
        person, settlements, last = result
        if fmt == "sheet":
            console.print(settlement_sheet(settlements, person, _policy_of(settlements, policy)))
        elif fmt == "nhsa":
            out = {
                "settlements": [
                    {"claim_id": x.claim_id, **to_platform(x, _policy_of([x], policy))}
                    for x in settlements
                ],
                "ledger": output_document([], last, key=key)["ledger"],
            }
            click.echo(dumps_json(out, indent=indent))
        else:
            out = output_document(settlements, last, trace=not no_trace, key=key)
            click.echo(dumps_json(out, indent=indent))

    if not lines:
        try:
            result = run(read_document(file), "document")
        except (ReimbursementError, ValueError) as exc:
            refuse(exc, as_json=as_json)
        show(result, indent=2)
        return
    failed = 0
    for number, line in json_lines(file):
        try:
            if isinstance(line, InvalidClaim):
                raise line
            result = run(line, _("line {number}").format(number=number))
        except (ReimbursementError, ValueError) as exc:
            failed += 1
            if as_json:
                err = error_json(exc)
                err["error"]["line"] = number
                click.echo(dumps_json(err))
            else:
                click.echo(_("line {number}").format(number=number) + ": " + _error(exc))
            continue
        show(result, indent=None)
    if failed:
        click.echo(_("{failed} line(s) failed").format(failed=failed), err=True)
        sys.exit(1)


def _error(exc: BaseException) -> str:
    from zjj_medical.cli.jsonio import error_text

    return error_text(exc)


@click.command("premium")
@click.option("--year", type=int, required=True, help="Insurance year.")
@click.option(
    "--poor/--not-poor", default=False, help="A registered poor person (建档立卡贫困人口)."
)
@click.option(
    "--county", default="yongding", show_default=True,
    help="The person's county: the policy's id or Chinese name (桑植县).",
)  # fmt: skip
@click.option(
    "--policy", "policy_name", default=None,
    help="Built-in policy name or a policy file (default: zhangjiajie).",
)  # fmt: skip
def premium_command(year: int, poor: bool, county: str, policy_name: str | None) -> None:
    """Print the individual premium, the subsidy and the personal share for a YEAR (JSON)."""
    try:
        p = premium(
            Person("-", poor=poor, county=county), year,
            policy=None if policy_name is None else load_policy(policy_name),
        )  # fmt: skip
    except ReimbursementError as exc:
        refuse(exc, as_json=True)
    click.echo(json.dumps(p.to_dict(), ensure_ascii=False))
