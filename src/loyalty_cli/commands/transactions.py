"""``loyalty transactions CUSTOMER``: a customer's ledger, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.render import render_ledger

__all__ = ["transactions"]


@reports_errors
def transactions(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    limit: Annotated[int, typer.Option(min=0, help="Show at most this many (0: all).")] = 50,
) -> None:
    """List a customer's ledger transactions, newest first, with status, lot and time to expiry,
    then their redemptions (holds with their timeout) and arrears."""
    from loyalty.services.read import customer_overview

    state = cli_context(ctx)
    tiers = state.settings().policy.tiers
    overview = customer_overview(state.repository(), customer, tiers=tiers)
    render_ledger(state, customer, overview, limit)
