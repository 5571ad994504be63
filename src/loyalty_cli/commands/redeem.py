"""``loyalty redeem reserve|commit|cancel``: an operator's hand on a customer's redemptions.

Each command first reads what the call would do (which fails exactly as the call would, before
anything is asked), prints that on ``--dry-run``, else asks and makes the call. A repeat of a
request already recorded changes nothing, so it is not asked about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.render import render_redemption

if TYPE_CHECKING:
    from loyalty.services.read import RedemptionAction
    from loyalty_cli.context import CliContext

__all__ = ["cancel", "commit", "reserve"]

Customer = Annotated[str, typer.Argument(help="Customer id.")]
RedemptionId = Annotated[
    str, typer.Argument(help="Redemption id (the same id again is the same request).")
]
Yes = Annotated[bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")]
DryRun = Annotated[
    bool, typer.Option(metavar="", help="Show what would happen, from a read; write nothing.")
]

_QUESTIONS = {
    "reserve": "Hold {points:,} points of {customer} for redemption {rid}?",
    "commit": "Commit redemption {rid} of {customer} (spend its {points:,} held points)?",
    "cancel": "Cancel redemption {rid} of {customer} (release or refund its {points:,} points)?",
}


def _redeem(
    state: CliContext,
    action: RedemptionAction,
    customer: str,
    rid: str,
    points: int,
    *,
    yes: bool,
    dry_run: bool,
) -> None:
    from loyalty.services import redemptions
    from loyalty.services.read import preview_redemption

    settings = state.settings()
    tiers, repository = settings.policy.tiers, state.repository()
    preview = preview_redemption(
        repository,
        customer,
        rid,
        action,
        points,
        hold_timeout=settings.hold_timeout,
        tiers=tiers,
    )
    if dry_run:
        render_redemption(state, action, preview.redemption, preview.summary, dry_run=True)
        return
    if preview.writes:
        question = _QUESTIONS[action]
        state.confirm(
            question.format(points=preview.redemption.points, customer=customer, rid=rid), yes=yes
        )
    if action == "reserve":
        done = redemptions.reserve(
            repository, customer, rid, points, hold_timeout=settings.hold_timeout, tiers=tiers
        )
    elif action == "commit":
        done = redemptions.commit(repository, customer, rid, tiers=tiers)
    else:
        done = redemptions.cancel(repository, customer, rid, tiers=tiers)
    render_redemption(state, action, done, None, dry_run=False)


@reports_errors
def reserve(
    ctx: typer.Context,
    customer: Customer,
    redemption_id: RedemptionId,
    points: Annotated[int, typer.Argument(min=1, help="Points to hold.")],
    yes: Yes = False,
    dry_run: DryRun = False,
) -> None:
    """Hold points for a redemption, first-expiring-first-out, until committed or timed out."""
    _redeem(cli_context(ctx), "reserve", customer, redemption_id, points, yes=yes, dry_run=dry_run)


@reports_errors
def commit(
    ctx: typer.Context,
    customer: Customer,
    redemption_id: RedemptionId,
    yes: Yes = False,
    dry_run: DryRun = False,
) -> None:
    """Spend a held redemption (refused if its hold timed out or it was cancelled)."""
    _redeem(cli_context(ctx), "commit", customer, redemption_id, 0, yes=yes, dry_run=dry_run)


@reports_errors
def cancel(
    ctx: typer.Context,
    customer: Customer,
    redemption_id: RedemptionId,
    yes: Yes = False,
    dry_run: DryRun = False,
) -> None:
    """Release a hold, or refund a committed redemption into the lots it came from."""
    _redeem(cli_context(ctx), "cancel", customer, redemption_id, 0, yes=yes, dry_run=dry_run)
