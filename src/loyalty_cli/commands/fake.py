"""``loyalty fake issue``: fake, quickly expiring transactions for load tests and demos."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from loyalty_cli.context import CliContext, cli_context
from loyalty_cli.errors import EXIT_USAGE, CliError, reports_errors
from loyalty_cli.output import format_duration

if TYPE_CHECKING:
    from loyalty.domain.transactions import Transaction

__all__ = ["FAKE_BOOKING_PREFIX", "FAKE_CUSTOMER_PREFIX", "app", "issue", "parse_ttl"]

FAKE_CUSTOMER_PREFIX = "fake-customer-"
FAKE_BOOKING_PREFIX = "fake-"
MAX_TTL = timedelta(days=30)
"""Fake traffic must expire quickly; anything longer is a typo or the wrong tool."""

_TTL = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}

app = typer.Typer(help="Fake test traffic.", no_args_is_help=True)


def parse_ttl(text: str) -> timedelta:
    """Parse ``15m``, ``2h``, ``1d`` or ``90s`` (one number and one unit) into a timedelta.

    Raises
    ------
    CliError
        Saying what is wrong, for anything else, zero, or more than 30 days.
    """
    match = _TTL.fullmatch(text.strip())
    if match is None:
        raise CliError(
            f"--ttl {text!r}: expected a whole number and a unit s, m, h or d (e.g. 15m, 2h, 1d)",
            EXIT_USAGE,
        )
    ttl = timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])
    if ttl <= timedelta(0):
        raise CliError(f"--ttl {text!r}: must be longer than zero", EXIT_USAGE)
    if ttl > MAX_TTL:
        raise CliError(f"--ttl {text!r}: fake transactions may live at most 30d", EXIT_USAGE)
    return ttl


def fake_customer_id(number: int) -> str:
    """The id of fake customer ``number`` (1-based): ``fake-customer-0001``."""
    return f"{FAKE_CUSTOMER_PREFIX}{number:04d}"


@app.command("issue")
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
    from loyalty.domain.clock import format_timestamp, utc_now
    from loyalty.domain.transactions import Transaction, TransactionStatus, new_transaction_id
    from loyalty_cli.concurrency import run_bounded

    state = cli_context(ctx)
    now = utc_now()
    expires_at = int((now + lifetime).timestamp())
    planned = [
        Transaction(
            transaction_id=new_transaction_id(now),
            customer_id=fake_customer_id(n % customers + 1),
            booking_id=f"{FAKE_BOOKING_PREFIX}{new_transaction_id(now)}",
            points=points,
            status=TransactionStatus.ACTIVE,
            created_at=format_timestamp(now),
            expires_at=expires_at,
            fake=True,
            correlation_id="loyalty-fake-issue",
        )
        for n in range(count)
    ]
    description = (
        f"{count} fake transaction(s) of {points:,} points over {min(customers, count)} "
        f"customer(s), expiring in {format_duration(int(lifetime.total_seconds()))}"
    )
    outcomes: dict[str, str] = {}
    if not dry_run:
        repository = state.repository()
        state.confirm(f"Write {description} to table {state.table_name()}?", yes=yes)

        def write(transaction: Transaction) -> str:
            return repository.record_transaction(transaction).value

        with state.progress() as progress:
            task = progress.add_task("issuing", total=count)
            for transaction, outcome in run_bounded(write, planned, workers=workers):
                outcomes[transaction.booking_id] = outcome
                progress.advance(task)
    _report(state, planned, outcomes, description, dry_run)


def _report(
    state: CliContext,
    planned: list[Transaction],
    outcomes: dict[str, str],
    description: str,
    dry_run: bool,
) -> None:
    rows: list[dict[str, object]] = [
        {
            "customerId": transaction.customer_id,
            "bookingId": transaction.booking_id,
            "points": transaction.points,
            "expiresAt": transaction.expires_at,
            "outcome": outcomes.get(transaction.booking_id, "dry_run"),
        }
        for transaction in planned
    ]
    if state.json:
        state.emit_json({"dryRun": dry_run, "transactions": rows})
        return
    from rich.table import Table

    title = f"{'Dry run: would write' if dry_run else 'Wrote'} {description}"
    table = Table(title=title, title_justify="left")
    for column in ("customer", "booking", "points", "outcome"):
        table.add_column(column, justify="right" if column == "points" else "left")
    for transaction in planned:
        table.add_row(
            transaction.customer_id,
            transaction.booking_id,
            f"{transaction.points:,}",
            outcomes.get(transaction.booking_id, "dry_run"),
        )
    state.console().print(table)
