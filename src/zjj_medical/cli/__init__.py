"""The ``zjj-medical`` command line (click). Each command group lives in its own module."""

from __future__ import annotations

import click

from zjj_medical.cli.ledger import ledger_group
from zjj_medical.cli.policy import policy_group
from zjj_medical.cli.serve import serve_command
from zjj_medical.cli.settle import premium_command, settle_command
from zjj_medical.cli.simulate import simulate_command
from zjj_medical.cli.token import token_group

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zjj_medical")
def cli() -> None:
    """Medical reimbursement under Zhangjiajie's health poverty-alleviation policy.

    Settle claims one-stop (一站式结算), inspect and validate policies, simulate a county.
    """


cli.add_command(settle_command)
cli.add_command(premium_command)
cli.add_command(policy_group)
cli.add_command(ledger_group)
cli.add_command(simulate_command)
cli.add_command(serve_command)
cli.add_command(token_group)


def main() -> None:
    """Console-script entry point."""
    cli()
