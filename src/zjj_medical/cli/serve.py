"""``zjj-medical serve``: the settlement service over HTTP (needs the ``service`` extra)."""

from __future__ import annotations

import logging

import click

from zjj_medical.cli.jsonio import refuse
from zjj_medical.cli.ledger import _store_location
from zjj_medical.errors import ReimbursementError
from zjj_medical.i18n import gettext as _

__all__ = ["serve_command"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")  # fmt: skip
@click.option(
    "--db", required=True, envvar="ZJJ_MEDICAL_DB", metavar="URL|PATH", callback=_store_location,
    help="The ledger store: sqlite:///abs/path.db, sqlite:relative.db or a file path, or "
    "postgresql://user@host/dbname (needs the postgres extra); env ZJJ_MEDICAL_DB.",
)  # fmt: skip
@click.option(
    "--policy", "policies", multiple=True,
    help="Built-in policy name or policy file; repeat for successive periods "
    "(as zjj-medical ledger). Default: zhangjiajie.",
)  # fmt: skip
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds a request may take, waiting for the store included (then 503).")  # fmt: skip
@click.option("--max-body", default=16 * 1024 * 1024, show_default=True,
              type=click.IntRange(min=1), help="Largest request body in bytes (then 413).")  # fmt: skip
@click.option("--workers", default=8, show_default=True, type=click.IntRange(min=1),
              help="Store connections opened at most (requests handled side by side).")  # fmt: skip
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))  # fmt: skip
def serve_command(
    host: str, port: int, db: str, policies: tuple[str, ...], timeout: float, max_body: int,
    workers: int, log_level: str,
) -> None:  # fmt: skip
    """Serve settlement over HTTP (JSON, OpenAPI at /openapi.json) on the ledger store.

    Every /v1 request needs a token (zjj-medical token create). Stop with Ctrl-C
    (SIGINT) or SIGTERM: requests in progress are finished first. Needs the optional
    extra: pip install 'zjj_medical[service]'.
    """
    try:
        import uvicorn

        from zjj_medical.service import create_app
    except ImportError as exc:
        raise click.ClickException(
            _(
                "zjj-medical serve needs the optional extra: pip install 'zjj_medical[service]' "
                "({name} is not installed)"
            ).format(name=exc.name)
        ) from None
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    try:
        app = create_app(
            db, *policies,
            max_body=max_body, timeout=timeout, workers=workers,
        )  # fmt: skip
    except ReimbursementError as exc:
        refuse(exc, as_json=False)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
