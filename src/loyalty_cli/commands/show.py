"""``loyalty show CUSTOMER``: spendable and qualifying points, tier, next expiring lots, last
transactions."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from loyalty_cli.commands.transactions import newest_first
from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.output import lot_of, time_left, transaction_json, transactions_table

if TYPE_CHECKING:
    from loyalty.domain.tiers import Tier, TierPolicy

__all__ = ["show", "tier_progress"]


def tier_progress(points: int, tiers: TierPolicy) -> tuple[Tier | None, int, int]:
    """The next tier and the progress towards it: ``(next, done, span)``; ``(None, 1, 1)`` at GOLD."""
    from loyalty.domain.tiers import Tier

    if points >= tiers.gold:
        return None, 1, 1
    if points >= tiers.silver:
        return Tier.GOLD, points - tiers.silver, tiers.gold - tiers.silver
    return Tier.SILVER, max(points, 0), tiers.silver


@reports_errors
def show(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    last: Annotated[int, typer.Option(min=0, help="How many recent transactions to list.")] = 5,
) -> None:
    """Show a customer's spendable and qualifying points, tier, next expiring lots and latest
    transactions."""
    state = cli_context(ctx)
    tiers = state.settings().policy.tiers
    repository = state.repository()
    now = time.time()
    summary = repository.get_summary(customer, tiers, at=datetime.fromtimestamp(now, UTC))
    ledger = newest_first(repository.list_transactions(customer))
    balance = sum(t.value for t in ledger if t.expires_at > now)
    next_tier, done, span = tier_progress(summary.qualifying_points, tiers)
    if state.json:
        state.emit_json(
            {
                **summary.as_response(),
                "customerId": customer,
                "nextLevel": next_tier.value if next_tier else None,
                "ledgerBalance": balance,
                "transactions": [transaction_json(t, now) for t in ledger[:last]],
            }
        )
        return
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    console = state.console()
    overview = Table.grid(padding=(0, 2))
    overview.add_row("customer", customer)
    overview.add_row("spendable points", f"{summary.points:,}")
    overview.add_row("qualifying points", f"{summary.qualifying_points:,}")
    overview.add_row("tier", summary.tier.value)
    if next_tier is None:
        overview.add_row("next tier", "none: top tier reached")
    else:
        overview.add_row("next tier", f"{next_tier.value} in {summary.remaining_points:,} points")
    # The percentage too: without colour the unfilled part of the bar is blank.
    bar = Table.grid(padding=(0, 1))
    bar.add_row(ProgressBar(total=span, completed=done, width=40), f"{100 * done // span}%")
    overview.add_row("progress", bar)
    for n, lot in enumerate(summary.expiring):
        overview.add_row(
            "next expiring" if n == 0 else "",
            f"{lot.remaining:,} points at {lot_of(lot.expires_at)} "
            f"({time_left(lot.expires_at, now)})",
        )
    console.print(overview)
    if balance != summary.qualifying_points:
        console.print(
            f"note: the ledger holds {balance:,} points; the aggregate may lag the stream or have "
            f"drifted (check with: loyalty backfill --customer {customer} --dry-run)"
        )
    if ledger and last:
        console.print(transactions_table(ledger[:last], now, title="Latest transactions"))
