"""``loyalty show CUSTOMER``: points, tier, the way to the next tier, last transactions."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from loyalty_cli.commands.transactions import newest_first
from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.output import transaction_json, transactions_table

if TYPE_CHECKING:
    from loyalty.domain.tiers import Tier, TierPolicy
    from loyalty.repository.items import UnreadableItem

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
    """Show a customer's points, tier, points to the next tier and latest transactions."""
    state = cli_context(ctx)
    tiers = state.settings().policy.tiers
    repository = state.repository()
    summary = repository.get_summary(customer, tiers)
    unreadable: list[UnreadableItem] = []
    ledger = newest_first(repository.list_transactions(customer, on_unreadable=unreadable.append))
    state.warn_unreadable(unreadable)
    balance = sum(transaction.value for transaction in ledger)
    next_tier, done, span = tier_progress(summary.points, tiers)
    now = time.time()
    if state.json:
        state.emit_json(
            {
                **summary.as_response(),
                "customerId": customer,
                "nextLevel": next_tier.value if next_tier else None,
                "ledgerBalance": balance,
                "transactions": [transaction_json(t, now) for t in ledger[:last]],
                "unreadable": [str(error) for error in unreadable],
            }
        )
        return
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    console = state.console()
    overview = Table.grid(padding=(0, 2))
    overview.add_row("customer", customer)
    overview.add_row("points", f"{summary.points:,}")
    overview.add_row("tier", summary.tier.value)
    if next_tier is None:
        overview.add_row("next tier", "none: top tier reached")
    else:
        overview.add_row("next tier", f"{next_tier.value} in {summary.remaining_points:,} points")
    # The percentage too: without colour the unfilled part of the bar is blank.
    bar = Table.grid(padding=(0, 1))
    bar.add_row(ProgressBar(total=span, completed=done, width=40), f"{100 * done // span}%")
    overview.add_row("progress", bar)
    console.print(overview)
    if balance != summary.points:
        console.print(
            f"note: the ledger holds {balance:,} points; the aggregate may lag the stream or have "
            f"drifted (check with: loyalty backfill --customer {customer} --dry-run)"
        )
    if ledger and last:
        console.print(transactions_table(ledger[:last], now, title="Latest transactions"))
