"""``loyalty revoke CUSTOMER BOOKING``: revoke one booking's transaction by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import CliError, reports_errors

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
    from loyalty.domain.clock import utc_now
    from loyalty.domain.transactions import TransactionStatus

    state = cli_context(ctx)
    repository = state.repository()
    existing = repository.get_transaction(customer, booking)
    if existing is None:
        raise CliError(f"no transaction for booking {booking!r} of customer {customer!r}")
    report = {
        "customerId": customer,
        "bookingId": booking,
        "points": existing.points,
        "statusBefore": existing.status.value,
    }
    if existing.status is TransactionStatus.REVOKED:
        outcome = "already_revoked"
    elif dry_run:
        outcome = "would_revoke"
    else:
        state.confirm(
            f"Revoke booking {booking} of {customer} ({existing.points:,} points)?", yes=yes
        )
        outcome = repository.revoke_transaction(existing.revoked(utc_now())).value
    if state.json:
        state.emit_json({**report, "outcome": outcome, "dryRun": dry_run})
        return
    messages = {
        "already_revoked": f"Booking {booking} of {customer} is already revoked; nothing to do.",
        "would_revoke": f"Dry run: would revoke booking {booking} of {customer} "
        f"({existing.points:,} points).",
        "revoked": f"Revoked booking {booking} of {customer} ({existing.points:,} points).",
    }
    state.console().print(messages.get(outcome, f"Booking {booking} of {customer}: {outcome}."))
