"""``loyalty backfill``: recompute aggregates from the ledger, report drift and fix it.

The ledger balance of a customer is the sum of the points of their ACTIVE transactions still in
the table. A fix is ``reconcile_aggregate``: a conditional write on the aggregate's version as it
was read before the ledger, so a concurrent aggregator write makes it fail instead of being
overwritten; the customer is then re-read and recomputed, a bounded number of times.

A ledger change whose stream record is still on its way to the aggregator is in the ledger but not
yet in the aggregate, and the aggregate's version does not show it: fixing then would count it
twice once the record arrives. So drift is observed twice, ``--settle`` seconds apart, and only a
customer whose aggregate version and ledger balance did not move in between is fixed; one still
moving is reported and left for the next run.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalty_cli.context import CliContext, cli_context
from loyalty_cli.errors import CliError, reports_errors

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

    from loyalty.domain.tiers import TierPolicy
    from loyalty.repository.base import LoyaltyRepository

__all__ = ["Drift", "backfill", "reconcile_customer", "scan_balances"]


@dataclass(frozen=True, slots=True)
class Drift:
    """One customer's stored aggregate against the ledger, and what was done about it."""

    customer_id: str
    stored: int
    ledger: int
    action: str
    """``ok``, ``fixed``, ``would_fix``, ``moving`` (changed while settling, left for the next
    run) or ``conflict`` (still changing after every retry)."""
    version: int | None = None
    """The aggregate's version when observed (None: no aggregate)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "customerId": self.customer_id,
            "stored": self.stored,
            "ledger": self.ledger,
            "drift": self.ledger - self.stored,
            "action": self.action,
        }


def reconcile_customer(
    repository: LoyaltyRepository,
    customer_id: str,
    tiers: TierPolicy,
    *,
    dry_run: bool,
    observed: Drift | None = None,
    attempts: int = 5,
) -> Drift:
    from loyalty.services.aggregate import reconcile_aggregate

    """Compare one customer's aggregate with their ledger and, unless ``dry_run``, fix it.

    With ``observed`` (an earlier dry-run result), the fix is made only if neither the aggregate's
    version nor the ledger balance moved since: otherwise the result is ``moving``.
    """
    stored = ledger = 0
    for attempt in range(attempts):
        # The aggregate first: a ledger change after this read reaches the aggregate with a new
        # version, so the conditional write below fails and the customer is recomputed.
        expected = repository.get_aggregate(customer_id)
        ledger = sum(t.value for t in repository.list_transactions(customer_id))
        stored = 0 if expected is None else expected.points
        version = None if expected is None else expected.version
        consistent = expected is None or expected.tier is tiers.tier_of(expected.points)
        if stored == ledger and consistent:
            return Drift(customer_id, stored, ledger, "ok", version)
        if dry_run:
            return Drift(customer_id, stored, ledger, "would_fix", version)
        if (
            attempt == 0
            and observed is not None
            and (observed.version, observed.ledger) != (version, ledger)
        ):
            return Drift(customer_id, stored, ledger, "moving", version)
        if reconcile_aggregate(repository, customer_id, ledger, expected, tiers=tiers):
            return Drift(customer_id, stored, ledger, "fixed", version)
    return Drift(customer_id, stored, ledger, "conflict")


def scan_balances(
    client: DynamoDBClient,
    table: str,
    segments: int,
    tiers: TierPolicy,
    on_item: Callable[[], None],
) -> tuple[dict[str, int], dict[str, int]]:
    """One parallel segmented scan of the table: ledger balances and stored aggregate points.

    One pass reads transactions and aggregates together, so every customer with either is seen,
    including one whose transactions have all expired but whose aggregate still holds points.
    An aggregate whose tier disagrees with its points is returned with points -1 (always drift).
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from loyalty.repository.items import (
        AGGREGATE_PREFIX,
        TRANSACTION_PREFIX,
        aggregate_from_item,
        transaction_from_item,
    )

    ledger: Counter[str] = Counter()
    stored: dict[str, int] = {}
    lock = threading.Lock()

    def scan(segment: int) -> None:
        paginator = client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=table, Segment=segment, TotalSegments=segments, ConsistentRead=True
        ):
            for item in page.get("Items", []):
                pk = str(item.get("pk", {}).get("S", ""))
                with lock:
                    if pk.startswith(TRANSACTION_PREFIX):
                        transaction = transaction_from_item(item)
                        ledger[transaction.customer_id] += transaction.value
                    elif pk.startswith(AGGREGATE_PREFIX):
                        aggregate = aggregate_from_item(item)
                        consistent = aggregate.tier is tiers.tier_of(aggregate.points)
                        stored[aggregate.customer_id] = aggregate.points if consistent else -1
                    on_item()

    with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="loyalty-scan") as pool:
        for done in [pool.submit(scan, segment) for segment in range(segments)]:
            done.result()
    return dict(ledger), stored


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
    state = cli_context(ctx)
    repository = state.repository()
    tiers = state.settings().policy.tiers
    if customer is not None:
        candidates, checked = [customer], 1
    else:
        candidates, checked = _scan_for_drift(state, segments, tiers)
    # A read-only pass first, so the confirmation names what will change; the fix pass re-reads.
    drifted = [
        result
        for result in _check_all(state, repository, candidates, tiers)
        if result.action != "ok"
    ]
    if drifted and not dry_run:
        state.confirm(
            f"Fix the aggregates of {len(drifted)} customer(s) in {state.table_name()}?", yes=yes
        )
        time.sleep(settle)
        drifted = _reconcile_all(state, repository, drifted, tiers)
    _report(state, checked, drifted, dry_run)
    conflicts = [result.customer_id for result in drifted if result.action == "conflict"]
    if conflicts:
        raise CliError(
            f"{len(conflicts)} aggregate(s) kept changing while being fixed "
            f"({', '.join(conflicts[:5])}); run backfill again"
        )
    moving = [result.customer_id for result in drifted if result.action == "moving"]
    if moving:
        raise CliError(
            f"{len(moving)} customer(s) changed while settling ({', '.join(moving[:5])}): "
            "their stream records were still arriving; run backfill again once the "
            "aggregator has caught up"
        )


def _check_all(
    state: CliContext, repository: LoyaltyRepository, customers: list[str], tiers: TierPolicy
) -> list[Drift]:
    results: list[Drift] = []
    with state.progress() as progress:
        task = progress.add_task("checking", total=len(customers))
        for customer in customers:
            results.append(reconcile_customer(repository, customer, tiers, dry_run=True))
            progress.advance(task)
    return results


def _reconcile_all(
    state: CliContext, repository: LoyaltyRepository, observed: list[Drift], tiers: TierPolicy
) -> list[Drift]:
    results: list[Drift] = []
    with state.progress() as progress:
        task = progress.add_task("fixing", total=len(observed))
        for drift in observed:
            results.append(
                reconcile_customer(
                    repository, drift.customer_id, tiers, dry_run=False, observed=drift
                )
            )
            progress.advance(task)
    return results


def _scan_for_drift(state: CliContext, segments: int, tiers: TierPolicy) -> tuple[list[str], int]:
    """Customers whose scanned aggregate differs from their scanned ledger, and how many exist."""
    client = state.dynamodb()
    table = state.table_name()
    approximate = client.describe_table(TableName=table)["Table"].get("ItemCount", 0)
    with state.progress() as progress:
        task = progress.add_task("scanning", total=approximate or None)
        ledger, stored = scan_balances(
            client, table, segments, tiers, lambda: progress.advance(task)
        )
    customers = ledger.keys() | stored.keys()
    # A customer with a ledger but no aggregate (-1) is checked too: the aggregate is missing.
    drifted = sorted(c for c in customers if ledger.get(c, 0) != stored.get(c, -1))
    return drifted, len(customers)


def _report(state: CliContext, checked: int, drifted: list[Drift], dry_run: bool) -> None:
    actions = Counter(result.action for result in drifted)
    if state.json:
        state.emit_json(
            {
                "dryRun": dry_run,
                "checked": checked,
                "drifted": len(drifted),
                "fixed": actions["fixed"],
                "conflicts": actions["conflict"],
                "moving": actions["moving"],
                "customers": [result.as_json() for result in drifted],
            }
        )
        return
    console = state.console()
    if not drifted:
        console.print(f"No drift: {checked} customer(s) checked.")
        return
    from rich.table import Table

    table = Table(title=f"Drift in {len(drifted)} of {checked} customer(s)", title_justify="left")
    for column in ("customer", "stored", "ledger", "drift", "action"):
        table.add_column(column, justify="left" if column in {"customer", "action"} else "right")
    for result in drifted:
        table.add_row(
            result.customer_id,
            f"{result.stored:,}",
            f"{result.ledger:,}",
            f"{result.ledger - result.stored:+,}",
            result.action,
        )
    console.print(table)
    if dry_run:
        console.print("Dry run: nothing was written.")
