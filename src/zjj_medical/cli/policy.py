"""``zjj-medical policy show`` and ``zjj-medical policy validate``."""

from __future__ import annotations

import datetime as dt

import click
from rich.console import Console

from zjj_medical.cli.jsonio import refuse
from zjj_medical.errors import PolicyError
from zjj_medical.i18n import get_language
from zjj_medical.i18n import gettext as _
from zjj_medical.messages import render
from zjj_medical.policy.loader import BUILTIN_POLICIES, ZHANGJIAJIE_SUCCESSION, load_policy
from zjj_medical.policy.model import Policy
from zjj_medical.render.policy_table import all_params, policy_tables

__all__ = ["policy_group"]


@click.group("policy")
def policy_group() -> None:
    """Inspect and validate policy files."""


@policy_group.command("show")
@click.argument("name_or_path", required=False)
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Show the values in force on this date (default: today).")  # fmt: skip
@click.option("--width", type=click.IntRange(min=40), default=None,
              help="Width of the tables in characters (default: the terminal's).")  # fmt: skip
def show_command(name_or_path: str | None, on: dt.datetime | None, width: int | None) -> None:
    """Print the parameters in force on a date, layer by layer, as tables.

    NAME_OR_PATH is a built-in policy (see policy list) or a file; the default is
    zhangjiajie.
    """
    try:
        policy = load_policy(name_or_path)
    except PolicyError as exc:
        refuse(exc, as_json=False)
    day = on.date() if on else dt.date.today()
    if not policy.in_force(day):
        if policy.until:
            text = _(
                "{policy} is not in force on {date}: it is in force from {start} until {until}"
            )
        else:
            text = _("{policy} is not in force on {date}: it is in force from {start}")
        raise click.ClickException(
            text.format(policy=policy.id, date=day, start=policy.start, until=policy.until)
        )
    console = Console(width=width)
    console.print(policy_tables(policy, day, console.width))


@policy_group.command("list")
def list_command() -> None:
    """List the built-in policies: id, in force from – until, name."""
    policies = [load_policy(name) for name in BUILTIN_POLICIES]
    width = max(len(p.id) for p in policies)
    for p in policies:
        until = str(p.until) if p.until else ""
        click.echo(f"{p.id:<{width}}  {p.start} – {until:<10}  {p.name}")
    chain = [load_policy(name) for name in ZHANGJIAJIE_SUCCESSION]
    steps = [
        (_("{policy} from {start} until {until}") if later else _("{policy} from {start}")).format(
            policy=p.id, start=p.start, until=later.start if later else None
        )
        for p, later in zip(chain, [*chain[1:], None], strict=True)
    ]
    click.echo(
        _(
            "Without a policy, a claim is settled under the Zhangjiajie policy in force on its "
            "date: {steps}."
        ).format(steps=_(", then ").join(steps))
    )


@policy_group.command("validate")
@click.argument("path")
@click.option("--strict", is_flag=True, help="Exit 1 when the file has warnings.")
def validate_command(path: str, strict: bool) -> None:
    """Validate a policy file; exit 0 with a one-line summary (and any warnings, one a
    line), or 1 with the error."""
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        refuse(exc, as_json=False)
    assumed = len(_assumed(policy))
    declared = len(_assumed_declarations(policy))
    marked = _(", {n} assumed declarations").format(n=declared) if declared else ""
    warned = _(", {n} warnings").format(n=len(policy.warnings)) if policy.warnings else ""
    click.echo(
        _(
            "{path}: valid policy {policy!r} ({name}), from {start}: {tiers} tiers, "
            "{kinds} claim kinds, {layers} layers, {assumed} assumed parameters"
        ).format(
            path=path,
            policy=policy.id,
            name=policy.name,
            start=policy.start,
            tiers=len(policy.tiers),
            kinds=len(policy.claim_kinds),
            layers=len(policy.layers),
            assumed=assumed,
        )
        + marked
        + warned
    )
    for warning in policy.warnings:
        click.echo(
            _("warning: {message}").format(
                message=render(warning.code, dict(warning.params), get_language())
            )
        )
    if strict and policy.warnings:
        raise SystemExit(1)


def _assumed_declarations(policy: Policy) -> list[str]:
    groups = ("tiers", "claim_kinds", "counties", "categories", "facilities")
    return [
        f"{group}.{key}"
        for group in groups
        for key, decl in getattr(policy, group).items()
        if decl.assumed
    ]


def _assumed(policy: Policy) -> list[str]:
    return [p.path for p in all_params(policy) if p.assumed]
