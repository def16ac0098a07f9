"""The ``zjj-medical`` command line (click). Each command group lives in its own module.

The language of every word it prints (help, tables, errors) is ``--lang zh|en`` given
before the command, else ``ZJJ_MEDICAL_LANG``, else the locale (``zh_*``: Chinese), else
English (:mod:`zjj_medical.i18n`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from zjj_medical.cli.ledger import ledger_group
from zjj_medical.cli.policy import policy_group
from zjj_medical.cli.serve import serve_command
from zjj_medical.cli.settle import premium_command, settle_command
from zjj_medical.cli.simulate import simulate_command
from zjj_medical.cli.token import token_group
from zjj_medical.i18n import LANGUAGES, normalize_language, use_language
from zjj_medical.i18n.clicktext import localize_click, localize_command

__all__ = ["cli", "main"]


def _lang_given(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` among the arguments before the command's name."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if not arg.startswith("-"):
            return None
    return None


class _Localized(click.Group):
    """The root group: sets the language before anything is parsed or shown."""

    def main(self, args: Sequence[str] | None = None, *a: Any, **kw: Any) -> Any:
        import sys

        given = _lang_given(list(sys.argv[1:] if args is None else args))
        with use_language(normalize_language(given)):  # None: the environment's
            localize_click()
            localize_command(self)
            return super().main(args, *a, **kw)


@click.group(cls=_Localized, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--lang", type=click.Choice(LANGUAGES), default=None, expose_value=False, is_eager=True,
    help="Language of the output, help and errors: zh (Chinese) or en (English). Default: "
    "ZJJ_MEDICAL_LANG, else zh when the locale (LC_ALL, LC_MESSAGES, LANG) is zh_*, else en.",
)  # fmt: skip
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
