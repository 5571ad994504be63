"""The ledger transaction: one per (customer, booking), ACTIVE or REVOKED, expiring by TTL."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from cyksuid.v2 import ksuid

from loyalty.domain.clock import format_timestamp
from loyalty.domain.earning import EarnRule, default_earn_rule
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy

__all__ = [
    "ExpiryPolicy",
    "LoyaltyPolicy",
    "Transaction",
    "TransactionStatus",
    "new_transaction_id",
]


class TransactionStatus(StrEnum):
    """Whether a transaction counts towards the balance."""

    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"

    @property
    def counts(self) -> bool:
        """Whether a transaction in this status contributes its points to the balance."""
        return self is TransactionStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    """How long transactions live before DynamoDB's TTL removes them.

    Parameters
    ----------
    real
        Lifetime of a real transaction (default 365 days).
    fake
        Lifetime of a fake (test-traffic) transaction (default 1 day).
    """

    real: timedelta = timedelta(days=365)
    fake: timedelta = timedelta(days=1)

    def __post_init__(self) -> None:
        if self.real <= timedelta(0) or self.fake <= timedelta(0):
            raise ValueError("transaction lifetimes must be positive")

    def expires_at(self, created_at: datetime, *, fake: bool) -> int:
        """Return the TTL (epoch seconds) of a transaction created at ``created_at``."""
        return int((created_at + (self.fake if fake else self.real)).timestamp())


@dataclass(frozen=True, slots=True)
class LoyaltyPolicy:
    """The business rules in one injectable bundle: earning, expiry and tiers."""

    earn_rule: EarnRule = default_earn_rule
    expiry: ExpiryPolicy = field(default_factory=ExpiryPolicy)
    tiers: TierPolicy = DEFAULT_TIER_POLICY


def new_transaction_id(created_at: datetime) -> str:
    """Return a new KSUID string whose embedded time is ``created_at`` (time sortable)."""
    return str(ksuid(time_func=created_at.timestamp))


@dataclass(frozen=True, slots=True)
class Transaction:
    """One ledger entry: the points a customer earned for a booking.

    ``created_at`` is an ISO-8601 UTC string and ``expires_at`` epoch seconds (the TTL attribute),
    exactly as stored.
    """

    transaction_id: str
    customer_id: str
    booking_id: str
    points: int
    status: TransactionStatus
    created_at: str
    expires_at: int
    fake: bool = False
    booking_reference: str | None = None
    outbound_flight_id: str | None = None
    payment_receipt: str | None = None
    payment_amount: int | None = None
    correlation_id: str | None = None
    revoked_at: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.points, bool) or not isinstance(self.points, int):
            raise TypeError(f"points must be an int (got {type(self.points).__name__})")
        if self.points < 0:
            raise ValueError(f"points must not be negative (got {self.points})")

    @property
    def value(self) -> int:
        """Points this transaction contributes to the balance: its points if ACTIVE, else 0."""
        return self.points if self.status.counts else 0

    def revoked(self, at: datetime) -> Transaction:
        """Return this transaction marked REVOKED at ``at``."""
        return replace(self, status=TransactionStatus.REVOKED, revoked_at=format_timestamp(at))
