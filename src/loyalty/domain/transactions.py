"""The ledger transaction: one per (customer, booking), ACTIVE or REVOKED, in the lot of its expiry."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cyksuid.v2 import ksuid

from loyalty.domain.clock import format_timestamp
from loyalty.domain.earning import EarnRule, default_earn_rule
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy

__all__ = [
    "ExpiryPolicy",
    "ExpiryRounding",
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


class ExpiryRounding(StrEnum):
    """How a real transaction's expiry instant is rounded up, hence how many lots a customer has.

    Every transaction expiring in the same period shares one lot: with ``DAY`` a customer has at
    most one lot per UTC day (366 in a year), with ``MONTH`` 13, with ``QUARTER`` 5; ``NONE`` keeps
    the instant to the second (one lot per transaction).
    """

    NONE = "none"
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"

    def round_up(self, moment: datetime) -> int:
        """The end of the period ``moment`` falls in, as epoch seconds (``moment`` if it is one).

        The end of a period is the first instant of the next one: points of a lot expiring at
        midnight still count at 23:59:59.999 and no longer at midnight.
        """
        moment = moment.astimezone(UTC)
        if self is ExpiryRounding.NONE:
            return math.ceil(moment.timestamp())
        if self is ExpiryRounding.DAY:
            start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
            end = start if start == moment else start + timedelta(days=1)
            return int(end.timestamp())
        months = 1 if self is ExpiryRounding.MONTH else 3
        first_month = (moment.month - 1) // months * months + 1
        start = moment.replace(month=first_month, day=1, hour=0, minute=0, second=0, microsecond=0)
        if start == moment:
            return int(start.timestamp())
        year, month = divmod(first_month - 1 + months, 12)
        return int(start.replace(year=start.year + year, month=month + 1).timestamp())


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    """When a transaction's points expire: the instant that names its lot.

    Parameters
    ----------
    real
        Lifetime of a real transaction (default 365 days), rounded up with ``rounding``.
    fake
        Lifetime of a fake (test-traffic) transaction (default 1 day), never rounded: fake points
        expire exactly this long after their creation (to the second).
    rounding
        How a real transaction's expiry is rounded up (default: to the end of its UTC day).
    """

    real: timedelta = timedelta(days=365)
    fake: timedelta = timedelta(days=1)
    rounding: ExpiryRounding = ExpiryRounding.DAY

    def __post_init__(self) -> None:
        if self.real <= timedelta(0) or self.fake <= timedelta(0):
            raise ValueError("transaction lifetimes must be positive")

    def expires_at(self, created_at: datetime, *, fake: bool) -> int:
        """Return the expiry (epoch seconds, also the TTL) of a transaction created at ``created_at``.

        All transactions of a customer with the same expiry instant form one lot.
        """
        if fake:
            return int((created_at + self.fake).timestamp())
        return self.rounding.round_up(created_at + self.real)


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

    ``created_at`` is an ISO-8601 UTC string and ``expires_at`` epoch seconds (the TTL attribute,
    and the expiry of the lot the points sit in), exactly as stored.
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

    @property
    def changed_at(self) -> str:
        """When the ledger item last changed (ISO 8601 UTC): its revocation, else its creation.

        Ledger writes never change an item otherwise (a duplicate or a confirm after a cancel
        writes nothing), so this is the time of the change whose stream record comes last.
        """
        return self.revoked_at or self.created_at

    def revoked(self, at: datetime) -> Transaction:
        """Return this transaction marked REVOKED at ``at``."""
        return replace(self, status=TransactionStatus.REVOKED, revoked_at=format_timestamp(at))
