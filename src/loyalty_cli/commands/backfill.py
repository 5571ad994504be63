"""``loyalty backfill``: recompute aggregates from the ledger, report drift and fix it.

The rule (observe, settle, fix only what did not move) is the library's
:func:`loyalty.services.backfill.backfill`.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import CliError, reports_errors
from loyalty_cli.render import ProgressBars, render_backfill

__all__ = ["backfill"]


@reports_errors
def backfill(
    ctx: typer.Context,
    customer: Annotated[
        str | None, typer.Option(help="Only this customer (default: every customer).")
    ] = None,
    segments: Annotated[
        int, typer.Option(min=1, max=64, help="Parallel scan segments (all customers).")
    ] = 4,
    dry_run: Annotated[bool, typer.Option(metavar="", help="Report drift; write nothing.")] = False,
    settle: Annotated[
        float,
        typer.Option(
            min=0,
            envvar="LOYALTY_BACKFILL_SETTLE_SECONDS",
            help="Seconds between observing drift and fixing it; customers that move meanwhile "
            "are left for the next run (their stream records were still arriving).",
        ),
    ] = 5.0,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")
    ] = False,
) -> None:
    """Recompute aggregates from the ledger; print per-customer drift and fix it.

    Fixes are conditional writes that retry on conflict, so they cannot overwrite a concurrent
    aggregator update. Exit status 1 if a customer kept changing through every retry.
    """
    from loyalty.services import backfill as service

    state = cli_context(ctx)
    with ProgressBars(state) as progress:
        result = service.backfill(
            state.repository(),
            tiers=state.settings().policy.tiers,
            customer_id=customer,
            segments=segments,
            dry_run=dry_run,
            settle_seconds=settle,
            approve=lambda drifted: progress.confirm(
                f"Fix the aggregates of {len(drifted)} customer(s) in {state.table_name()}?",
                yes=yes,
            ),
            sleep=time.sleep,
            on_progress=progress,
        )
    render_backfill(state, result)
    if conflicts := result.customers("conflict"):
        raise CliError(
            f"{len(conflicts)} aggregate(s) kept changing while being fixed "
            f"({', '.join(conflicts[:5])}); run backfill again"
        )
    if moving := result.customers("moving"):
        raise CliError(
            f"{len(moving)} customer(s) changed while settling ({', '.join(moving[:5])}): "
            "their stream records were still arriving; run backfill again once the "
            "aggregator has caught up"
        )
