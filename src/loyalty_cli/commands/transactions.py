"""``loyalty transactions CUSTOMER``: a customer's ledger, newest first."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.output import transaction_json, transactions_table

if TYPE_CHECKING:
    from loyalty.domain.transactions import Transaction
    from loyalty.repository.items import UnreadableItem

__all__ = ["newest_first", "transactions"]


def newest_first(transactions: list[Transaction]) -> list[Transaction]:
    """Order by creation time, newest first (KSUIDs break ties, they are time sortable)."""
    return sorted(transactions, key=lambda t: (t.created_at, t.transaction_id), reverse=True)


@reports_errors
def transactions(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    limit: Annotated[int, typer.Option(min=0, help="Show at most this many (0: all).")] = 50,
) -> None:
    """List a customer's ledger transactions, newest first, with status and time to expiry."""
    state = cli_context(ctx)
    unreadable: list[UnreadableItem] = []
    ledger = newest_first(
        state.repository().list_transactions(customer, on_unreadable=unreadable.append)
    )
    state.warn_unreadable(unreadable)
    now = time.time()
    shown = ledger[:limit] if limit else ledger
    balance = sum(transaction.value for transaction in ledger)
    if state.json:
        state.emit_json(
            {
                "customerId": customer,
                "balance": balance,
                "count": len(ledger),
                "transactions": [transaction_json(t, now) for t in shown],
                "unreadable": [str(error) for error in unreadable],
            }
        )
        return
    if not ledger:
        state.console().print(f"No transactions for customer {customer}.")
        return
    console = state.console()
    console.print(transactions_table(shown, now, title=f"Transactions of {customer}"))
    if len(shown) < len(ledger):
        console.print(f"showing {len(shown)} of {len(ledger)} (use --limit 0 for all)")
    console.print(f"ledger balance (ACTIVE, not yet removed): {balance:,} points")
