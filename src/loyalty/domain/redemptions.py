"""Redemptions: holds placed on spendable points, committed (spent) or cancelled (released, refunded).

Every operation is a pure function of the aggregate (and the redemption's record) at an instant,
returning both as they must be written together (decision 0013). A hold is allocated
first-expiring-first-out over the lots and remembers where its points came from, so a release or
a refund puts them back into those lots (if they still count) and the stream aggregator can keep
folding earnings and revocations around it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from loyalty.domain.aggregates import (
    CustomerAggregate,
    Hold,
    _Book,
    _written,
    allocate_first_expiring,
)
from loyalty.domain.clock import format_timestamp
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.errors import (
    AggregateNotReady,
    HoldExpired,
    InsufficientPoints,
    RedemptionCancelled,
    RedemptionConflict,
)

__all__ = [
    "DEFAULT_HOLD_TIMEOUT",
    "Redemption",
    "RedemptionStatus",
    "cancel_redemption",
    "commit_redemption",
    "reserve_points",
]

DEFAULT_HOLD_TIMEOUT = timedelta(seconds=900)
"""How long a hold waits for its commit (``LOYALTY_HOLD_TIMEOUT_SECONDS``)."""


class RedemptionStatus(StrEnum):
    """Where a redemption stands. ``EXPIRED`` is never stored: it is a ``HELD`` redemption read
    after its hold timed out."""

    HELD = "HELD"
    COMMITTED = "COMMITTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class Redemption:
    """One redemption of a customer, as stored in its ``REDEEM#`` item.

    ``allocation`` is where its points came from, ``(lot expiry, points)`` earliest first, kept
    after the commit so that a cancel can refund them into the same lots. ``hold_expires_at`` is
    the epoch second the hold times out if not committed by then.
    """

    customer_id: str
    redemption_id: str
    points: int
    status: RedemptionStatus
    allocation: tuple[tuple[int, int], ...]
    hold_expires_at: int
    created_at: str
    updated_at: str

    def status_at(self, at: datetime) -> RedemptionStatus:
        """The status at instant ``at``: a hold not committed by its timeout reads ``EXPIRED``."""
        if self.status is RedemptionStatus.HELD and self.hold_expires_at <= at.timestamp():
            return RedemptionStatus.EXPIRED
        return self.status

    @property
    def hold_expires_at_iso(self) -> str:
        """The hold's timeout as an ISO 8601 UTC string."""
        return format_timestamp(datetime.fromtimestamp(self.hold_expires_at, UTC))


def _require_lots(aggregate: CustomerAggregate | None, customer_id: str) -> CustomerAggregate:
    if aggregate is None or aggregate.lots is None:
        raise AggregateNotReady(customer_id)
    return aggregate


def _rewritten(
    current: CustomerAggregate,
    settled: CustomerAggregate,
    book: _Book,
    holds: tuple[Hold, ...],
    *,
    at: datetime,
    tiers: TierPolicy,
) -> CustomerAggregate:
    return _written(
        current,
        customer_id=current.customer_id,
        lots=book.live_lots(at.timestamp()),
        points=0,
        tiers=tiers,
        at=at,
        arrears=book.arrears,
        holds=holds,
        applied_sequence=settled.applied_sequence,
        applied_change_at=settled.applied_change_at,
    )


def reserve_points(
    aggregate: CustomerAggregate | None,
    existing: Redemption | None,
    customer_id: str,
    redemption_id: str,
    points: int,
    *,
    at: datetime,
    hold_timeout: timedelta = DEFAULT_HOLD_TIMEOUT,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
) -> tuple[Redemption, CustomerAggregate | None]:
    """Place a hold of ``points`` for ``redemption_id``, first-expiring-first-out over the lots.

    Returns the redemption and the aggregate to write with it; the aggregate is None when
    ``existing`` is the same request already recorded (its answer is returned unchanged: a
    repeated reserve does not extend the hold).

    Raises
    ------
    RedemptionConflict
        If ``existing`` was recorded with different points.
    InsufficientPoints
        If spendable points at ``at`` are fewer than ``points`` (nothing is to be recorded).
    AggregateNotReady
        If the customer's aggregate predates lots (run ``loyalty backfill``).
    """
    if existing is not None:
        if existing.points != points:
            available = 0 if aggregate is None else aggregate.summary(at, tiers).points
            raise RedemptionConflict(customer_id, redemption_id, existing.points, available)
        return existing, None
    if aggregate is None:
        raise InsufficientPoints(customer_id, points, 0)
    current = _require_lots(aggregate, customer_id)
    settled = current.settled(at)
    available = settled.summary(at, tiers).points
    if available < points:
        raise InsufficientPoints(customer_id, points, available)
    allocation = allocate_first_expiring(settled.lots or (), points, at)
    now = at.timestamp()
    book = _Book(settled.lots or (), settled.arrears)
    for expiry, part in allocation:
        book.take_out(expiry, part, now)
    held_until = math.ceil(now + hold_timeout.total_seconds())
    hold = Hold(redemption_id, points, held_until, allocation)
    stamp = format_timestamp(at)
    redemption = Redemption(
        customer_id,
        redemption_id,
        points,
        RedemptionStatus.HELD,
        allocation,
        held_until,
        created_at=stamp,
        updated_at=stamp,
    )
    written = _rewritten(current, settled, book, (*settled.holds, hold), at=at, tiers=tiers)
    return redemption, written


def commit_redemption(
    aggregate: CustomerAggregate | None,
    redemption: Redemption,
    *,
    at: datetime,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
) -> tuple[Redemption, CustomerAggregate | None]:
    """Spend a held redemption: its hold is removed, its points stay out of the lots.

    Returns the redemption and the aggregate to write with it; the aggregate is None when the
    redemption is already committed (nothing to write, the same answer).

    Raises
    ------
    RedemptionCancelled
        If the redemption was cancelled.
    HoldExpired
        If its hold timed out before ``at``.
    AggregateNotReady
        If the customer's aggregate is missing or predates lots.
    """
    status = redemption.status_at(at)
    if status is RedemptionStatus.COMMITTED:
        return redemption, None
    if status is RedemptionStatus.CANCELLED:
        raise RedemptionCancelled(redemption.customer_id, redemption.redemption_id)
    if status is RedemptionStatus.EXPIRED:
        raise HoldExpired(redemption.customer_id, redemption.redemption_id)
    current = _require_lots(aggregate, redemption.customer_id)
    settled = current.settled(at)
    if settled.hold(redemption.redemption_id) is None:
        raise HoldExpired(redemption.customer_id, redemption.redemption_id)
    book = _Book(settled.lots or (), settled.arrears)
    holds = tuple(h for h in settled.holds if h.redemption_id != redemption.redemption_id)
    committed = replace(
        redemption, status=RedemptionStatus.COMMITTED, updated_at=format_timestamp(at)
    )
    return committed, _rewritten(current, settled, book, holds, at=at, tiers=tiers)


def cancel_redemption(
    aggregate: CustomerAggregate | None,
    redemption: Redemption,
    *,
    at: datetime,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
) -> tuple[Redemption, CustomerAggregate | None]:
    """Release a hold, or refund a committed redemption into the lots its points came from.

    Points coming back repay arrears first; points of lots expired by ``at`` stay expired. A
    hold that timed out was already released at its instant: cancelling it only records the
    cancel. Returns the redemption and the aggregate to write with it; the aggregate is None when
    the redemption is already cancelled (nothing to write, the same answer).

    Raises
    ------
    AggregateNotReady
        If the customer's aggregate is missing or predates lots.
    """
    if redemption.status is RedemptionStatus.CANCELLED:
        return redemption, None
    current = _require_lots(aggregate, redemption.customer_id)
    settled = current.settled(at)
    book = _Book(settled.lots or (), settled.arrears)
    hold = settled.hold(redemption.redemption_id)
    if hold is not None or redemption.status is RedemptionStatus.COMMITTED:
        book.give_back(redemption.allocation, after=at.timestamp())
    holds = tuple(h for h in settled.holds if h.redemption_id != redemption.redemption_id)
    cancelled = replace(
        redemption, status=RedemptionStatus.CANCELLED, updated_at=format_timestamp(at)
    )
    return cancelled, _rewritten(current, settled, book, holds, at=at, tiers=tiers)
