"""``loyalty transactions CUSTOMER``: a customer's ledger, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.render import render_ledger

if TYPE_CHECKING:
    from loyalty.errors import UnreadableItem

__all__ = ["transactions"]


@reports_errors
def transactions(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    limit: Annotated[int, typer.Option(min=0, help="Show at most this many (0: all).")] = 50,
) -> None:
    """List a customer's ledger transactions, newest first, with status, lot and time to expiry."""
    from loyalty.services.read import customer_ledger

    state = cli_context(ctx)
    unreadable: list[UnreadableItem] = []
    ledger = customer_ledger(state.repository(), customer, on_unreadable=unreadable.append)
    render_ledger(state, customer, ledger, limit, unreadable)
