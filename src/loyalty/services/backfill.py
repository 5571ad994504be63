"""Backfill: rebuild aggregates from the ledger, report drift and fix it without double-counting.

A customer's ledger at an instant is their ACTIVE transactions in lots that have not expired. A
fix is :func:`reconcile_customer`: it rebuilds the aggregate's lots from the ledger (upgrading a
v1 aggregate, which has a balance but no lots) with a conditional write on the aggregate's
version as it was read before the ledger, so a concurrent aggregator write makes it fail instead
of being overwritten; the customer is then re-read and recomputed, a bounded number of times.

A ledger change whose stream record is still on its way to the aggregator is in the ledger but
not yet in the aggregate: fixing then would count it twice once the record arrives. So a fix is
made only when every ledger change of the customer is provably applied (decision 0007); a
customer with changes in flight is reported ``in_flight`` and left for the next run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, TypeVar

from loyalty.concurrency import run_all
from loyalty.domain.aggregates import CustomerAggregate, reconciled, unapplied_changes
from loyalty.domain.clock import Clock, utc_now
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.domain.transactions import Transaction
from loyalty.errors import AggregateConflict
from loyalty.inbound.identifiers import require_identifier
from loyalty.services.progress import OnProgress, no_progress

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from loyalty.domain.redemptions import Redemption
    from loyalty.errors import UnreadableItem
    from loyalty.repository.base import LoyaltyRepository, OnUnreadable

__all__ = [
    "BackfillResult",
    "Drift",
    "DriftAction",
    "backfill",
    "reconcile_customer",
    "scan_balances",
]

T = TypeVar("T")

DriftAction = Literal["ok", "fixed", "would_fix", "in_flight", "conflict"]

MAX_RECONCILE_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Drift:
    """One customer's stored aggregate against the ledger at one instant, and what was done."""

    customer_id: str
    stored: int
    """The spendable points the aggregate answered at the instant of the check."""
    ledger: int
    """The spendable points the ledger holds at that instant."""
    action: DriftAction
    """``ok``, ``fixed``, ``would_fix``, ``in_flight`` (ledger changes not provably applied yet:
    reported, not fixed, left for the next run) or ``conflict`` (still changing after every
    retry)."""
    version: int | None = None
    """The aggregate's version when read (None: no aggregate)."""
    upgrade: bool = False
    """The aggregate was a v1 one (a balance without lots): the fix rebuilds its lots."""
    in_flight: int = 0
    """How many ledger transactions changed after the newest change the aggregate applied."""


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


def reconcile_customer(
    repository: LoyaltyRepository,
    customer_id: str,
    *,
    dry_run: bool,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
    attempts: int = MAX_RECONCILE_ATTEMPTS,
    on_unreadable: OnUnreadable | None = None,
) -> Drift:
    """Compare one customer's aggregate with their ledger and, unless ``dry_run``, rebuild it.

    The aggregate is rebuilt (its lots from the ledger's ACTIVE transactions, a v1 aggregate
    upgraded to lots) only when every ledger change is provably applied
    (:func:`~loyalty.domain.aggregates.unapplied_changes`); otherwise the result is
    ``in_flight`` and nothing is written, so a record still on its way to the aggregator is never
    counted twice. The write is conditional on the aggregate's version as read before the
    ledger, keeps the high-water mark, and is retried on conflict. Unreadable ledger items are
    not counted and go to ``on_unreadable``.

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is not a valid id.
    """
    require_identifier("customer id", customer_id)
    found = Drift(customer_id, 0, 0, "conflict")
    for _ in range(attempts):
        # The aggregate first: a ledger change after this read reaches the aggregate with a new
        # version, so the conditional write below fails and the customer is recomputed.
        expected = repository.get_aggregate(customer_id)
        transactions = repository.list_transactions(customer_id, on_unreadable=on_unreadable)
        redemptions = repository.list_redemptions(customer_id)
        at = now()
        ledger = reconciled(
            customer_id, transactions, expected, redemptions=redemptions, tiers=tiers, at=at
        )
        found = Drift(
            customer_id,
            0 if expected is None else expected.summary(at, tiers).points,
            ledger.summary(at, tiers).points,
            "ok",
            version=None if expected is None else expected.version,
            upgrade=expected is not None and not expected.has_lots,
        )
        if _in_step(expected, ledger, at):
            return found
        in_flight = unapplied_changes(expected, transactions, at=at)
        if in_flight:
            return replace(found, action="in_flight", in_flight=len(in_flight))
        if dry_run:
            return replace(found, action="would_fix")
        try:
            repository.save_aggregate(ledger, expected)
        except AggregateConflict:
            continue
        return replace(found, action="fixed")
    return replace(found, action="conflict")


def _in_step(stored: CustomerAggregate | None, rebuilt: CustomerAggregate, at: datetime) -> bool:
    """Whether the stored aggregate, settled at ``at``, has the lots, arrears and holds that the
    ledger and the redemptions make (``rebuilt``). A v1 aggregate (no lots) never is."""
    if stored is None:
        return not rebuilt.lots and not rebuilt.holds
    settled = stored.settled(at)
    return settled.lots is not None and (settled.lots, settled.arrears, set(settled.holds)) == (
        rebuilt.lots,
        rebuilt.arrears,
        set(rebuilt.holds),
    )


@dataclass
class _Seen:
    """What a scan met of one customer: their ACTIVE unexpired points folded into one
    transaction per lot (all a rebuild reads of them), their redemptions, their aggregate."""

    lots: dict[int, Transaction] = field(default_factory=dict)
    redemptions: list[Redemption] = field(default_factory=list)
    aggregate: CustomerAggregate | None = None

    def add_lot(self, transaction: Transaction) -> None:
        known = self.lots.get(transaction.expires_at)
        points = transaction.points + (0 if known is None else known.points)
        self.lots[transaction.expires_at] = replace(transaction, points=points)

    def merge(self, other: _Seen) -> None:
        for transaction in other.lots.values():
            self.add_lot(transaction)
        self.redemptions.extend(other.redemptions)
        self.aggregate = self.aggregate or other.aggregate


def scan_balances(
    repository: LoyaltyRepository,
    at: datetime,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    segments: int = 4,
    on_progress: OnProgress = no_progress,
    on_unreadable: OnUnreadable | None = None,
) -> dict[str, bool]:
    """One parallel segmented scan of the table: whether each customer's aggregate is in step.

    One pass reads transactions, redemptions and aggregates together, so every customer with any
    of them is seen, including one whose transactions have all expired but whose aggregate still
    holds points. Like is compared with like: the aggregate's lots (earned and remaining),
    arrears and active holds at ``at`` against those the ACTIVE transactions and the redemptions
    make (:func:`~loyalty.domain.aggregates.reconciled`), so a customer who spent is in step. A
    v1 aggregate (no lots) never is: backfill upgrades it. Returns customer id → in step.
    """
    lock = threading.Lock()
    scanned = [0]
    now = at.timestamp()

    def scan(segment: int) -> dict[str, _Seen]:
        seen: dict[str, _Seen] = {}
        for item in repository.scan_table(segment, segments, on_unreadable=on_unreadable):
            customer = seen.setdefault(item.customer_id, _Seen())
            if isinstance(item, CustomerAggregate):
                customer.aggregate = item
            elif isinstance(item, Transaction):
                if item.expires_at > now and item.value:
                    customer.add_lot(item)
            else:
                customer.redemptions.append(item)
            with lock:
                scanned[0] += 1
                on_progress("scanning", scanned[0], None)
        return seen

    # A customer's ledger items and aggregate have different keys, so may sit in any segments.
    customers: dict[str, _Seen] = {}
    for outcome in run_all(scan, range(segments)):
        if isinstance(outcome, Exception):
            raise outcome
        for customer_id, seen in outcome.items():
            customers.setdefault(customer_id, _Seen()).merge(seen)
    return {
        customer_id: _in_step(
            seen.aggregate,
            reconciled(
                customer_id,
                seen.lots.values(),
                seen.aggregate,
                redemptions=seen.redemptions,
                tiers=tiers,
                at=at,
            ),
            at,
        )
        for customer_id, seen in customers.items()
    }


def backfill(
    repository: LoyaltyRepository,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    customer_id: str | None = None,
    segments: int = 4,
    dry_run: bool = False,
    approve: Callable[[Sequence[Drift]], None] = lambda _: None,
    now: Clock = utc_now,
    on_progress: OnProgress = no_progress,
) -> BackfillResult:
    """Find customers whose aggregate disagrees with their ledger and, unless ``dry_run``, fix them.

    Parameters
    ----------
    repository
        Where the ledger and the aggregates live.
    tiers
        The tier thresholds summaries are computed with.
    customer_id
        Only this customer; default: every customer, found by one segmented table scan.
    segments
        Parallel scan segments.
    dry_run
        Report drift; write nothing.
    approve
        Called with the customers that would be fixed before anything is written; raise to
        abort. Not called when there is nothing to fix.
    now
        The clock: the instant lots expire against (injectable for tests).
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
        in_step = scan_balances(
            repository,
            now(),
            tiers=tiers,
            segments=segments,
            on_progress=on_progress,
            on_unreadable=skipped,
        )
        # Only those out of step are read again, one by one, to be checked and fixed.
        candidates = sorted(customer for customer, ok in in_step.items() if not ok)
        checked = len(in_step)

    def check(customer: str, *, fix: bool) -> Drift:
        return reconcile_customer(
            repository, customer, dry_run=not fix, tiers=tiers, now=now, on_unreadable=skipped
        )

    # A read-only pass first, so the approval names what will change; the fix pass re-reads.
    drifted = [
        drift
        for drift in _each(candidates, "checking", on_progress, lambda c: check(c, fix=False))
        if drift.action != "ok"
    ]
    fixable = [drift.customer_id for drift in drifted if drift.action == "would_fix"]
    if fixable and not dry_run:
        approve([drift for drift in drifted if drift.action == "would_fix"])
        fixed = {
            drift.customer_id: drift
            for drift in _each(fixable, "fixing", on_progress, lambda c: check(c, fix=True))
        }
        drifted = [fixed.get(drift.customer_id, drift) for drift in drifted]
    return BackfillResult(checked, tuple(drifted), dry_run, tuple(unreadable.values()))


def _each(
    items: Sequence[T], stage: str, on_progress: OnProgress, check: Callable[[T], Drift]
) -> list[Drift]:
    results: list[Drift] = []
    for item in items:
        results.append(check(item))
        on_progress(stage, len(results), len(items))
    return results
