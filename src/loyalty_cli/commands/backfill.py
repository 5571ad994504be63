"""``loyalty backfill``: rebuild aggregates from the ledger, report drift and fix it.

The rule (fix only a customer whose every ledger change is provably applied, report the others
``in_flight``; upgrade v1 aggregates) is the library's :func:`loyalty.services.backfill.backfill`.
"""

from __future__ import annotations

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
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")
    ] = False,
) -> None:
    """Rebuild aggregates from the ledger; print per-customer drift and fix it.

    Fixes are conditional writes that retry on conflict, so they cannot overwrite a concurrent
    aggregator update, and are made only when every ledger change of the customer is provably
    applied. Exit status 1 if a customer kept changing or had changes in flight.
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
            approve=lambda drifted: progress.confirm(
                f"Fix the aggregates of {len(drifted)} customer(s) in {state.table_name()}?",
                yes=yes,
            ),
            on_progress=progress,
        )
    render_backfill(state, result)
    if conflicts := result.customers("conflict"):
        raise CliError(
            f"{len(conflicts)} aggregate(s) kept changing while being fixed "
            f"({', '.join(conflicts[:5])}); run backfill again"
        )
    if in_flight := result.customers("in_flight"):
        raise CliError(
            f"{len(in_flight)} customer(s) have ledger changes not yet applied by the aggregator "
            f"({', '.join(in_flight[:5])}); run backfill again once it has caught up"
        )
