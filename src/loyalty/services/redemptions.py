"""Redemption: reserve, commit and cancel points, each one single-customer transaction.

Each call reads the redemption and the customer's aggregate together (one strongly consistent
request), computes the outcome in the domain, and writes both in one ``TransactWriteItems``
conditioned on what was read (decision 0013). A concurrent writer — another redemption call, or
the stream aggregator folding earnings — makes the transaction fail as a whole; the call then
re-reads and recomputes, a bounded number of times, so conflicts are never surfaced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalty.domain.clock import Clock, utc_now
from loyalty.domain.redemptions import (
    DEFAULT_HOLD_TIMEOUT,
    Redemption,
    cancel_redemption,
    commit_redemption,
    reserve_points,
)
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.errors import (
    InvalidMessage,
    RedemptionNotFound,
    RedemptionWriteConflict,
    RetriesExhausted,
)
from loyalty.inbound.identifiers import require_identifier

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime, timedelta

    from loyalty.domain.aggregates import CustomerAggregate
    from loyalty.repository.base import LoyaltyRepository

    # What a call does with the redemption and aggregate it read, at an instant.
    Step = Callable[
        [Redemption | None, CustomerAggregate | None, datetime],
        tuple[Redemption, CustomerAggregate | None],
    ]

__all__ = [
    "MAX_REDEMPTION_ATTEMPTS",
    "cancel",
    "commit",
    "get_redemption",
    "list_redemptions",
    "reserve",
]

MAX_REDEMPTION_ATTEMPTS = 8
"""Transactions tried per call before giving up with RetriesExhausted."""


def _run(
    repository: LoyaltyRepository, customer_id: str, redemption_id: str, step: Step, now: Clock
) -> Redemption:
    for _ in range(MAX_REDEMPTION_ATTEMPTS):
        existing, aggregate = repository.get_redemption_state(customer_id, redemption_id)
        redemption, written = step(existing, aggregate, now())
        if written is None or aggregate is None:
            return redemption
        try:
            repository.save_redemption(redemption, existing, written, aggregate)
        except RedemptionWriteConflict:
            continue
        return redemption
    raise RetriesExhausted(
        f"redemption {redemption_id!r} of {customer_id}: the aggregate kept changing under "
        f"{MAX_REDEMPTION_ATTEMPTS} attempts"
    )


def _points(points: object) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise InvalidMessage.single("points", f"must be a positive integer (got {points!r})")
    return points


def reserve(
    repository: LoyaltyRepository,
    customer_id: str,
    redemption_id: str,
    points: int,
    *,
    hold_timeout: timedelta = DEFAULT_HOLD_TIMEOUT,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
) -> Redemption:
    """Hold ``points`` of the customer's spendable points for ``redemption_id``.

    The hold is allocated first-expiring-first-out over the lots and lasts ``hold_timeout``
    unless committed. The same request again returns the same redemption and changes nothing.

    Returns
    -------
    Redemption
        The redemption (``HELD``, with ``hold_expires_at``; as recorded, for a repeat).

    Raises
    ------
    loyalty.errors.InsufficientPoints
        If the customer can spend fewer than ``points`` (carries ``available``); nothing is
        recorded.
    loyalty.errors.RedemptionConflict
        If ``redemption_id`` was used with different points.
    loyalty.errors.InvalidIdentifier, loyalty.errors.InvalidMessage
        If an id or ``points`` (a positive integer) is invalid.
    loyalty.errors.AggregateNotReady
        If the customer's aggregate predates lots (run ``loyalty backfill``).
    loyalty.errors.RetriesExhausted
        If the aggregate kept changing through every attempt.
    """
    require_identifier("customer id", customer_id)
    require_identifier("redemption id", redemption_id)
    wanted = _points(points)

    def step(
        existing: Redemption | None, aggregate: CustomerAggregate | None, at: datetime
    ) -> tuple[Redemption, CustomerAggregate | None]:
        return reserve_points(
            aggregate,
            existing,
            customer_id,
            redemption_id,
            wanted,
            at=at,
            hold_timeout=hold_timeout,
            tiers=tiers,
        )

    return _run(repository, customer_id, redemption_id, step, now)


def _found(existing: Redemption | None, customer_id: str, redemption_id: str) -> Redemption:
    if existing is None:
        raise RedemptionNotFound(customer_id, redemption_id)
    return existing


def _change_existing(
    repository: LoyaltyRepository,
    customer_id: str,
    redemption_id: str,
    change: Callable[..., tuple[Redemption, CustomerAggregate | None]],
    *,
    tiers: TierPolicy,
    now: Clock,
) -> Redemption:
    """Apply ``change`` (commit or cancel) to an existing redemption, retried on conflict."""
    require_identifier("customer id", customer_id)
    require_identifier("redemption id", redemption_id)

    def step(
        existing: Redemption | None, aggregate: CustomerAggregate | None, at: datetime
    ) -> tuple[Redemption, CustomerAggregate | None]:
        found = _found(existing, customer_id, redemption_id)
        return change(aggregate, found, at=at, tiers=tiers)

    return _run(repository, customer_id, redemption_id, step, now)


def commit(
    repository: LoyaltyRepository,
    customer_id: str,
    redemption_id: str,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
) -> Redemption:
    """Spend a held redemption; committing it again returns it unchanged.

    Raises
    ------
    loyalty.errors.RedemptionNotFound
        If the customer has no such redemption.
    loyalty.errors.HoldExpired
        If its hold timed out before the commit.
    loyalty.errors.RedemptionCancelled
        If it was cancelled.
    loyalty.errors.InvalidIdentifier
        If an id is invalid.
    loyalty.errors.RetriesExhausted
        If the aggregate kept changing through every attempt.
    """
    return _change_existing(
        repository, customer_id, redemption_id, commit_redemption, tiers=tiers, now=now
    )


def cancel(
    repository: LoyaltyRepository,
    customer_id: str,
    redemption_id: str,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
) -> Redemption:
    """Release a hold, or refund a committed redemption into the lots its points came from.

    Refunded points of lots expired meanwhile stay expired; points coming back repay arrears
    first. Cancelling again returns the redemption unchanged.

    Raises
    ------
    loyalty.errors.RedemptionNotFound
        If the customer has no such redemption.
    loyalty.errors.InvalidIdentifier
        If an id is invalid.
    loyalty.errors.RetriesExhausted
        If the aggregate kept changing through every attempt.
    """
    return _change_existing(
        repository, customer_id, redemption_id, cancel_redemption, tiers=tiers, now=now
    )


def get_redemption(
    repository: LoyaltyRepository, customer_id: str, redemption_id: str
) -> Redemption:
    """One redemption of the customer (read its status at an instant with ``status_at``).

    Raises
    ------
    loyalty.errors.RedemptionNotFound
        If the customer has no such redemption.
    loyalty.errors.InvalidIdentifier
        If an id is invalid.
    """
    require_identifier("customer id", customer_id)
    require_identifier("redemption id", redemption_id)
    return _found(repository.get_redemption(customer_id, redemption_id), customer_id, redemption_id)


def list_redemptions(repository: LoyaltyRepository, customer_id: str) -> list[Redemption]:
    """All of the customer's redemptions, newest first.

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is invalid.
    """
    require_identifier("customer id", customer_id)
    redemptions = repository.list_redemptions(customer_id)
    return sorted(redemptions, key=lambda r: (r.created_at, r.redemption_id), reverse=True)
