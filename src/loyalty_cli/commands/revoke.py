"""``loyalty revoke CUSTOMER BOOKING``: revoke one booking's transaction by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.render import render_revocation

if TYPE_CHECKING:
    from loyalty.domain.transactions import Transaction

__all__ = ["revoke"]


@reports_errors
def revoke(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    booking: Annotated[str, typer.Argument(help="Booking id.")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option(metavar="", help="Show what would be revoked; write nothing.")
    ] = False,
) -> None:
    """Revoke a booking's transaction, as a cancellation would (its points stop counting)."""
    from loyalty.services.revoke import revoke_booking

    state = cli_context(ctx)

    def approve(found: Transaction) -> None:
        state.confirm(f"Revoke booking {booking} of {customer} ({found.points:,} points)?", yes=yes)

    revocation = revoke_booking(
        state.repository(), customer, booking, dry_run=dry_run, approve=approve
    )
    render_revocation(state, revocation, dry_run=dry_run)
