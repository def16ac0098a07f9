"""``zjj-medical policy show`` and ``zjj-medical policy validate``."""

from __future__ import annotations

import datetime as dt

import click
from rich.console import Console

from zjj_medical.errors import PolicyError
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
        raise click.ClickException(str(exc)) from None
    day = on.date() if on else dt.date.today()
    if not policy.in_force(day):
        until = f" until {policy.until}" if policy.until else ""
        raise click.ClickException(
            f"{policy.id} is not in force on {day}: it is in force from {policy.start}{until}"
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
        f"{p.id} from {p.start}" + (f" until {later.start}" if later else "")
        for p, later in zip(chain, [*chain[1:], None], strict=True)
    ]
    click.echo(
        "Without a policy, a claim is settled under the Zhangjiajie policy in force on its "
        "date: " + ", then ".join(steps) + "."
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
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    assumed = sum(1 for _ in _assumed(policy))
    declared = len(_assumed_declarations(policy))
    marked = f", {declared} assumed declarations" if declared else ""
    warned = f", {len(policy.warnings)} warnings" if policy.warnings else ""
    click.echo(
        f"{path}: valid policy {policy.id!r} ({policy.name}), from {policy.start}: "
        f"{len(policy.tiers)} tiers, {len(policy.claim_kinds)} claim kinds, "
        f"{len(policy.layers)} layers, {assumed} assumed parameters{marked}{warned}"
    )
    for warning in policy.warnings:
        click.echo(f"warning: {warning.message}")
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
