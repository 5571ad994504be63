"""``loyalty show CUSTOMER``: spendable and qualifying points, tier, next expiring lots, last
transactions."""

from __future__ import annotations

from typing import Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.render import render_overview

__all__ = ["show"]


@reports_errors
def show(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    last: Annotated[int, typer.Option(min=0, help="How many recent transactions to list.")] = 5,
) -> None:
    """Show a customer's spendable and qualifying points, tier, next expiring lots and latest
    transactions."""
    from loyalty.services.read import customer_overview

    state = cli_context(ctx)
    tiers = state.settings().policy.tiers
    overview = customer_overview(state.repository(), customer, tiers=tiers)
    render_overview(state, customer, overview, tiers, last)
