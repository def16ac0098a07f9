"""``zjj-medical token``: create, list and revoke the settlement service's access tokens."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from zjj_medical.cli.jsonio import error_text, refuse
from zjj_medical.cli.ledger import _store_location
from zjj_medical.errors import ReimbursementError
from zjj_medical.i18n import gettext as _
from zjj_medical.store.access import ROLES, issue_token, withdraw_token
from zjj_medical.store.backends import open_store
from zjj_medical.store.base import LedgerStore

__all__ = ["token_group"]


def _db_option(f: Any) -> Any:
    """``--db`` on a subcommand too (``zjj-medical token create --db …``)."""
    return click.option(
        "--db", "db", default=None, metavar="URL|PATH", callback=_store_location,
        help="The ledger store (as the group's --db; env ZJJ_MEDICAL_DB).",
    )(f)  # fmt: skip


def _store(ctx: click.Context, db: str | None) -> LedgerStore:
    db = db or ctx.obj
    if db is None:
        raise click.UsageError(
            _("Missing option '--db' (the ledger store; or set ZJJ_MEDICAL_DB)."), ctx
        )
    try:
        store = open_store(db)
    except ReimbursementError as exc:
        refuse(exc, as_json=False)
    ctx.call_on_close(store.close)
    return store


@click.group("token")
@click.option(
    "--db", default=None, envvar="ZJJ_MEDICAL_DB", metavar="URL|PATH", callback=_store_location,
    help="The ledger store the service serves (env ZJJ_MEDICAL_DB).",
)  # fmt: skip
@click.pass_context
def token_group(ctx: click.Context, db: str | None) -> None:
    """Access tokens of the settlement service (zjj-medical serve).

    A facility token settles, pre-settles and reverses the claims of its facility
    (the claim's facility.id) and reads its own settlements; a bureau token reads
    everything and runs reports. Only a hash of each token is stored; creating and
    revoking are recorded in the audit trail (zjj-medical ledger audit).
    """
    ctx.obj = db


@token_group.command("create")
@click.option("--role", type=click.Choice(ROLES), default="facility", show_default=True,
              help="facility: one facility's claims; bureau: read everything, reports.")  # fmt: skip
@click.option("--facility", default=None, metavar="FACILITY_ID",
              help="The facility id a facility token acts for (its claims' facility.id).")  # fmt: skip
@click.option("--note", default="", help="Whose token it is (shown by token list).")
@_db_option
@click.pass_context
def create_command(
    ctx: click.Context, role: str, facility: str | None, note: str, db: str | None
) -> None:
    """Create a token and print it, once, alone on standard output.

    The token is not stored (only its SHA-256 is) and cannot be shown again: give it
    to the billing system now. Its id (tok_…) is printed on standard error.
    """
    store = _store(ctx, db)
    try:
        secret, record = issue_token(store, role, facility, note=note)
    except ReimbursementError as exc:
        raise click.UsageError(error_text(exc), ctx) from None
    click.echo(secret)
    if record.facility:
        said = _("token {id} (facility {facility}) created; it is shown only this once")
    else:
        said = _("token {id} ({role}) created; it is shown only this once")
    click.echo(said.format(id=record.id, facility=record.facility, role=record.role), err=True)


@token_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the tokens as JSON.")
@_db_option
@click.pass_context
def list_command(ctx: click.Context, as_json: bool, db: str | None) -> None:
    """List the tokens (never their secrets): id, role, facility, created, revoked, note."""
    tokens = _store(ctx, db).tokens()
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in tokens], ensure_ascii=False, indent=2))
        return
    table = Table(title=_("tokens"))
    for name in ("id", "role", "facility", "created_at", "revoked_at", "note"):
        table.add_column(name)
    for t in tokens:
        table.add_row(t.id, t.role, t.facility or "", t.created_at, t.revoked_at or "", t.note)
    Console(width=160).print(table)


@token_group.command("revoke")
@click.argument("token_id")
@_db_option
@click.pass_context
def revoke_command(ctx: click.Context, token_id: str, db: str | None) -> None:
    """Revoke TOKEN_ID (tok_…): from now on it is refused (401)."""
    store = _store(ctx, db)
    try:
        withdraw_token(store, token_id)
    except ReimbursementError as exc:
        refuse(exc, as_json=False)
    click.echo(_("token {id} revoked").format(id=token_id), err=True)
