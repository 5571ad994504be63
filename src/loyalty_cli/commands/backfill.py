"""``loyalty backfill``: rebuild aggregates from the ledger, report drift and fix it.

A customer's ledger at an instant is their ACTIVE transactions in lots that have not expired. A
fix is :func:`loyalty.services.aggregate.reconcile_customer`: it rebuilds the aggregate's lots
from the ledger (upgrading a v1 aggregate) with a conditional write on the version read before
the ledger, and only when every ledger change is provably applied; a customer with changes still
on their way to the aggregator is reported ``in_flight`` and left for the next run, so nothing is
ever counted twice (decision 0007).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalty_cli.context import CliContext, cli_context
from loyalty_cli.errors import CliError, reports_errors

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient

    from loyalty.domain.tiers import TierPolicy
    from loyalty.repository.base import LoyaltyRepository

__all__ = ["Drift", "backfill", "scan_balances"]


@dataclass(frozen=True, slots=True)
class Drift:
    """One customer's stored aggregate against the ledger, and what was done about it."""

    customer_id: str
    stored: int
    ledger: int
    action: str
    """``ok``, ``fixed``, ``would_fix``, ``in_flight`` (ledger changes not yet provably applied:
    left for the next run) or ``conflict`` (still changing after every retry)."""
    upgrade: bool = False
    """The aggregate is a v1 one (a balance without lots) that the fix rebuilds with lots."""

    def as_json(self) -> dict[str, Any]:
        return {
            "customerId": self.customer_id,
            "stored": self.stored,
            "ledger": self.ledger,
            "drift": self.ledger - self.stored,
            "action": self.action,
            "upgrade": self.upgrade,
        }


def _reconcile(
    repository: LoyaltyRepository, customer_id: str, tiers: TierPolicy, *, dry_run: bool
) -> Drift:
    from loyalty.services.aggregate import reconcile_customer

    result = reconcile_customer(repository, customer_id, dry_run=dry_run, tiers=tiers)
    return Drift(
        customer_id,
        result.stored.points,
        result.ledger.points,
        result.action.value,
        upgrade=result.upgrade,
    )


def scan_balances(
    client: DynamoDBClient,
    table: str,
    segments: int,
    at: datetime,
    on_item: Callable[[], None],
) -> tuple[dict[str, int], dict[str, int]]:
    """One parallel segmented scan of the table: ledger and stored points at instant ``at``.

    One pass reads transactions and aggregates together, so every customer with either is seen,
    including one whose transactions have all expired but whose aggregate still holds points.
    A v1 aggregate (no lots) is returned with points -1 (always drift: backfill upgrades it).
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
    now = at.timestamp()

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
                        if transaction.expires_at > now:
                            ledger[transaction.customer_id] += transaction.value
                    elif pk.startswith(AGGREGATE_PREFIX):
                        aggregate = aggregate_from_item(item)
                        stored[aggregate.customer_id] = (
                            aggregate.summary(at).points if aggregate.has_lots else -1
                        )
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
    dry_run: Annotated[bool, typer.Option(help="Report drift; write nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Rebuild aggregates from the ledger; print per-customer drift and fix it.

    Fixes are conditional writes that retry on conflict, so they cannot overwrite a concurrent
    aggregator update, and are made only when every ledger change of the customer is provably
    applied. Exit status 1 if a customer kept changing or had changes in flight.
    """
    state = cli_context(ctx)
    repository = state.repository()
    tiers = state.settings().policy.tiers
    if customer is not None:
        candidates, checked = [customer], 1
    else:
        candidates, checked = _scan_for_drift(state, segments)
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
        drifted = _reconcile_all(state, repository, drifted, tiers)
    _report(state, checked, drifted, dry_run)
    conflicts = [result.customer_id for result in drifted if result.action == "conflict"]
    if conflicts:
        raise CliError(
            f"{len(conflicts)} aggregate(s) kept changing while being fixed "
            f"({', '.join(conflicts[:5])}); run backfill again"
        )
    in_flight = [result.customer_id for result in drifted if result.action == "in_flight"]
    if in_flight:
        raise CliError(
            f"{len(in_flight)} customer(s) have ledger changes not yet applied by the aggregator "
            f"({', '.join(in_flight[:5])}); run backfill again once it has caught up"
        )


def _check_all(
    state: CliContext, repository: LoyaltyRepository, customers: list[str], tiers: TierPolicy
) -> list[Drift]:
    results: list[Drift] = []
    with state.progress() as progress:
        task = progress.add_task("checking", total=len(customers))
        for customer in customers:
            results.append(_reconcile(repository, customer, tiers, dry_run=True))
            progress.advance(task)
    return results


def _reconcile_all(
    state: CliContext, repository: LoyaltyRepository, observed: list[Drift], tiers: TierPolicy
) -> list[Drift]:
    results: list[Drift] = []
    with state.progress() as progress:
        task = progress.add_task("fixing", total=len(observed))
        for drift in observed:
            results.append(_reconcile(repository, drift.customer_id, tiers, dry_run=False))
            progress.advance(task)
    return results


def _scan_for_drift(state: CliContext, segments: int) -> tuple[list[str], int]:
    """Customers whose scanned aggregate differs from their scanned ledger, and how many exist."""
    from loyalty.domain.clock import utc_now

    client = state.dynamodb()
    table = state.table_name()
    approximate = client.describe_table(TableName=table)["Table"].get("ItemCount", 0)
    with state.progress() as progress:
        task = progress.add_task("scanning", total=approximate or None)
        ledger, stored = scan_balances(
            client, table, segments, utc_now(), lambda: progress.advance(task)
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
                "inFlight": actions["in_flight"],
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
