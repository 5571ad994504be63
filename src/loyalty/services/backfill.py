"""Backfill: recompute aggregates from the ledger, report drift and fix it without racing.

The ledger balance of a customer is the sum of the points of their ACTIVE transactions still in
the table. A fix is :func:`reconcile_aggregate`: a conditional write on the aggregate's version as
it was read before the ledger, so a concurrent aggregator write makes it fail instead of being
overwritten; the customer is then re-read and recomputed, a bounded number of times.

A ledger change whose stream record is still on its way to the aggregator is in the ledger but not
yet in the aggregate, and the aggregate's version does not show it: fixing then would count it
twice once the record arrives. So drift is observed twice, ``settle_seconds`` apart, and only a
customer whose aggregate version and ledger balance did not move in between is fixed; one still
moving is reported and left for the next run.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from loyalty.concurrency import run_all
from loyalty.domain.aggregates import CustomerAggregate, reconciled
from loyalty.domain.clock import Clock, format_timestamp, utc_now
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.errors import AggregateConflict
from loyalty.services.progress import OnProgress, no_progress

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from loyalty.errors import UnreadableItem
    from loyalty.repository.base import LoyaltyRepository, OnUnreadable

__all__ = [
    "BackfillResult",
    "Drift",
    "DriftAction",
    "backfill",
    "reconcile_aggregate",
    "reconcile_customer",
    "scan_balances",
]

T = TypeVar("T")

DriftAction = Literal["ok", "fixed", "would_fix", "moving", "conflict"]


@dataclass(frozen=True, slots=True)
class Drift:
    """One customer's stored aggregate against the ledger, and what was done about it."""

    customer_id: str
    stored: int
    ledger: int
    action: DriftAction
    """``ok``, ``fixed``, ``would_fix``, ``moving`` (changed while settling, left for the next
    run) or ``conflict`` (still changing after every retry)."""
    version: int | None = None
    """The aggregate's version when observed (None: no aggregate)."""


@dataclass(frozen=True, slots=True)
class BackfillResult:
    """What a backfill found and did: customers checked, and each one that drifted."""

    checked: int
    drifted: tuple[Drift, ...]
    dry_run: bool
    unreadable: tuple[UnreadableItem, ...] = ()
    """Ledger items that could not be decoded: not counted in any ledger balance."""

    def customers(self, action: DriftAction) -> list[str]:
        """The customers whose outcome was ``action``, in report order."""
        return [drift.customer_id for drift in self.drifted if drift.action == action]


def reconcile_aggregate(
    repository: LoyaltyRepository,
    customer_id: str,
    points: int,
    expected: CustomerAggregate | None,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
) -> bool:
    """Overwrite a customer's points (and tier) if the aggregate is still ``expected``.

    For operators' corrections: one conditional write that keeps the high-water mark and bumps
    the version, so it never overwrites a concurrent aggregator write.

    Returns
    -------
    bool
        False, having written nothing, if the aggregate changed since ``expected`` was read:
        re-read, recompute and try again.
    """
    corrected = reconciled(
        customer_id, points, expected, tiers=tiers, updated_at=format_timestamp(now())
    )
    try:
        repository.save_aggregate(corrected, expected)
    except AggregateConflict:
        return False
    return True


def reconcile_customer(
    repository: LoyaltyRepository,
    customer_id: str,
    tiers: TierPolicy,
    *,
    dry_run: bool,
    observed: Drift | None = None,
    attempts: int = 5,
    on_unreadable: OnUnreadable | None = None,
) -> Drift:
    """Compare one customer's aggregate with their ledger and, unless ``dry_run``, fix it.

    With ``observed`` (an earlier dry-run result), the fix is made only if neither the aggregate's
    version nor the ledger balance moved since: otherwise the result is ``moving``. Unreadable
    ledger items are not counted and go to ``on_unreadable``.
    """
    stored = ledger = 0
    for attempt in range(attempts):
        # The aggregate first: a ledger change after this read reaches the aggregate with a new
        # version, so the conditional write below fails and the customer is recomputed.
        expected = repository.get_aggregate(customer_id)
        ledger = sum(
            t.value for t in repository.list_transactions(customer_id, on_unreadable=on_unreadable)
        )
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
    repository: LoyaltyRepository,
    tiers: TierPolicy,
    *,
    segments: int = 4,
    on_progress: OnProgress = no_progress,
    on_unreadable: OnUnreadable | None = None,
) -> tuple[dict[str, int], dict[str, int]]:
    """One parallel segmented scan of the table: ledger balances and stored aggregate points.

    One pass reads transactions and aggregates together, so every customer with either is seen,
    including one whose transactions have all expired but whose aggregate still holds points.
    An aggregate whose tier disagrees with its points is returned with points -1 (always drift).
    """
    lock = threading.Lock()
    scanned = [0]

    def scan(segment: int) -> tuple[Counter[str], dict[str, int]]:
        ledger: Counter[str] = Counter()
        stored: dict[str, int] = {}
        for item in repository.scan_table(segment, segments, on_unreadable=on_unreadable):
            if isinstance(item, CustomerAggregate):
                consistent = item.tier is tiers.tier_of(item.points)
                stored[item.customer_id] = item.points if consistent else -1
            else:
                ledger[item.customer_id] += item.value
            with lock:
                scanned[0] += 1
                on_progress("scanning", scanned[0], None)
        return ledger, stored

    ledger: Counter[str] = Counter()
    stored: dict[str, int] = {}
    for outcome in run_all(scan, range(segments)):
        if isinstance(outcome, Exception):
            raise outcome
        ledger.update(outcome[0])
        stored.update(outcome[1])
    return dict(ledger), stored


def backfill(
    repository: LoyaltyRepository,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    customer_id: str | None = None,
    segments: int = 4,
    dry_run: bool = False,
    settle_seconds: float = 5.0,
    approve: Callable[[Sequence[Drift]], None] = lambda _: None,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: OnProgress = no_progress,
) -> BackfillResult:
    """Find customers whose aggregate disagrees with their ledger and, unless ``dry_run``, fix them.

    Parameters
    ----------
    repository
        Where the ledger and the aggregates live.
    tiers
        The tier thresholds an aggregate's tier must agree with.
    customer_id
        Only this customer; default: every customer, found by one segmented table scan.
    segments
        Parallel scan segments.
    dry_run
        Report drift; write nothing.
    settle_seconds
        Seconds between observing drift and fixing it (passed to ``sleep``).
    approve
        Called with the drifted customers before anything is written; raise to abort.
    sleep
        Waits ``settle_seconds`` (injectable for tests).
    on_progress
        Told about the ``scanning``, ``checking`` and ``fixing`` stages.
    """
    # By key: the scan and every pass over a customer meet the same bad item again.
    unreadable: dict[str, UnreadableItem] = {}

    def skipped(error: UnreadableItem) -> None:
        with lock:
            unreadable.setdefault(error.key, error)

    lock = threading.Lock()
    if customer_id is not None:
        candidates, checked = [customer_id], 1
    else:
        ledger, stored = scan_balances(
            repository, tiers, segments=segments, on_progress=on_progress, on_unreadable=skipped
        )
        customers = ledger.keys() | stored.keys()
        # A customer with a ledger but no aggregate (-1) is checked too: the aggregate is missing.
        candidates = sorted(c for c in customers if ledger.get(c, 0) != stored.get(c, -1))
        checked = len(customers)
    # A read-only pass first, so the approval names what will change; the fix pass re-reads.
    drifted = [
        drift
        for drift in _each(
            candidates,
            "checking",
            on_progress,
            lambda customer: reconcile_customer(
                repository, customer, tiers, dry_run=True, on_unreadable=skipped
            ),
        )
        if drift.action != "ok"
    ]
    if drifted and not dry_run:
        approve(drifted)
        sleep(settle_seconds)
        drifted = _each(
            drifted,
            "fixing",
            on_progress,
            lambda observed: reconcile_customer(
                repository,
                observed.customer_id,
                tiers,
                dry_run=False,
                observed=observed,
                on_unreadable=skipped,
            ),
        )
    return BackfillResult(checked, tuple(drifted), dry_run, tuple(unreadable.values()))


def _each(
    items: Sequence[T], stage: str, on_progress: OnProgress, check: Callable[[T], Drift]
) -> list[Drift]:
    results: list[Drift] = []
    for item in items:
        results.append(check(item))
        on_progress(stage, len(results), len(items))
    return results
