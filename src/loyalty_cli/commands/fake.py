"""``loyalty fake issue``: fake, quickly expiring transactions for load tests and demos."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import EXIT_USAGE, CliError, reports_errors
from loyalty_cli.render import ProgressBars, format_duration, render_fake_traffic

__all__ = ["issue", "parse_ttl"]

_TTL = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}


def parse_ttl(text: str) -> timedelta:
    """Parse ``15m``, ``2h``, ``1d`` or ``90s`` (one number and one unit) into a timedelta.

    Raises
    ------
    CliError
        Saying what is wrong, for anything else, zero, or more than 30 days.
    """
    from loyalty.services.fake_traffic import MAX_FAKE_LIFETIME

    match = _TTL.fullmatch(text.strip())
    if match is None:
        raise CliError(
            f"--ttl {text!r}: expected a whole number and a unit s, m, h or d (e.g. 15m, 2h, 1d)",
            EXIT_USAGE,
        )
    ttl = timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])
    if ttl <= timedelta(0):
        raise CliError(f"--ttl {text!r}: must be longer than zero", EXIT_USAGE)
    if ttl > MAX_FAKE_LIFETIME:
        raise CliError(
            f"--ttl {text!r}: fake transactions may live at most {MAX_FAKE_LIFETIME.days}d",
            EXIT_USAGE,
        )
    return ttl


@reports_errors
def issue(
    ctx: typer.Context,
    customers: Annotated[
        int, typer.Option(min=1, max=10_000, help="Fake customers to spread the transactions over.")
    ] = 1,
    count: Annotated[
        int, typer.Option(min=1, max=100_000, help="Transactions in total (round-robin).")
    ] = 1,
    points: Annotated[int, typer.Option(min=0, help="Points per transaction.")] = 100,
    ttl: Annotated[str, typer.Option(help="Lifetime: 90s, 15m, 2h, 1d (at most 30d).")] = "1d",
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(metavar="", help="Show what would be written; write nothing.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Concurrent writes.")] = 8,
) -> None:
    """Write ACTIVE fake transactions (customers fake-customer-NNNN, bookings fake-<KSUID>).

    They count towards the fake customers' points until DynamoDB's TTL removes them.
    """
    lifetime = parse_ttl(ttl)
    from loyalty.domain.transactions import ExpiryPolicy
    from loyalty.services.fake_traffic import issue_fake_traffic

    state = cli_context(ctx)
    description = (
        f"{count} fake transaction(s) of {points:,} points over {min(customers, count)} "
        f"customer(s), expiring in {format_duration(int(lifetime.total_seconds()))}"
    )
    with ProgressBars(state) as progress:
        traffic = issue_fake_traffic(
            None if dry_run else state.repository(),
            customers=customers,
            count=count,
            points=points,
            expiry=ExpiryPolicy(fake=lifetime),
            workers=workers,
            approve=lambda _: progress.confirm(
                f"Write {description} to table {state.table_name()}?", yes=yes
            ),
            on_progress=progress,
        )
    render_fake_traffic(state, traffic, description, dry_run=dry_run)
