"""Read a customer's balance: what the HTTP API, the CLI and other services show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from loyalty.domain.aggregates import CustomerSummary
from loyalty.domain.clock import utc_now
from loyalty.domain.redemptions import (
    DEFAULT_HOLD_TIMEOUT,
    cancel_redemption,
    commit_redemption,
    reserve_points,
)
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.errors import RedemptionNotFound
from loyalty.inbound.identifiers import require_identifier
from loyalty.services.redemptions import list_redemptions

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from loyalty.domain.aggregates import CustomerAggregate
    from loyalty.domain.redemptions import Redemption
    from loyalty.domain.transactions import Transaction
    from loyalty.errors import UnreadableItem
    from loyalty.repository.base import LoyaltyRepository, OnUnreadable

__all__ = [
    "CustomerOverview",
    "RedemptionAction",
    "RedemptionPreview",
    "customer_ledger",
    "customer_overview",
    "customer_summary",
    "preview_redemption",
]

RedemptionAction = Literal["reserve", "commit", "cancel"]
"""What an operator asks of a redemption (:func:`preview_redemption`)."""


def customer_summary(
    repository: LoyaltyRepository,
    customer_id: str,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    at: datetime | None = None,
) -> CustomerSummary:
    """A customer's summary at instant ``at`` (default: now), from one read of their aggregate.

    Spendable and qualifying points, the tier and the points to the next tier (from qualifying
    points), and the next lots to expire; only lots expiring after ``at`` count. An unknown
    customer has 0 points at the lowest tier.

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is not a valid id, saying why.
    """
    return repository.get_summary(require_identifier("customer id", customer_id), tiers, at=at)


def customer_ledger(
    repository: LoyaltyRepository,
    customer_id: str,
    *,
    on_unreadable: OnUnreadable | None = None,
) -> list[Transaction]:
    """A customer's transactions still in the ledger, newest first (KSUIDs break ties).

    An item that cannot be decoded is left out and handed to ``on_unreadable``.

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is not a valid id, saying why.
    """
    transactions = repository.list_transactions(
        require_identifier("customer id", customer_id), on_unreadable=on_unreadable
    )
    return sorted(transactions, key=lambda t: (t.created_at, t.transaction_id), reverse=True)


@dataclass(frozen=True, slots=True)
class CustomerOverview:
    """A customer's aggregate summary at an instant beside their ledger and redemptions (newest
    first)."""

    summary: CustomerSummary
    ledger: list[Transaction]
    unreadable: list[UnreadableItem]
    """Ledger items that could not be decoded, left out of ``ledger`` and ``balance``."""
    at: datetime
    """The instant the summary was computed at."""
    redemptions: list[Redemption]
    """Every redemption of the customer; read each one's status at ``at`` with ``status_at``."""

    @property
    def balance(self) -> int:
        """What the ledger counts at ``at`` (ACTIVE points whose lot has not expired); differs
        from the summary's qualifying points while the aggregate lags or drifts."""
        now = self.at.timestamp()
        return sum(t.value for t in self.ledger if t.expires_at > now)


def customer_overview(
    repository: LoyaltyRepository,
    customer_id: str,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    at: datetime | None = None,
) -> CustomerOverview:
    """A customer's summary at instant ``at`` (default: now), ledger and redemptions, read
    together for an operator.

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is not a valid id, saying why.
    """
    at = at or utc_now()
    summary = customer_summary(repository, customer_id, tiers=tiers, at=at)
    unreadable: list[UnreadableItem] = []
    ledger = customer_ledger(repository, customer_id, on_unreadable=unreadable.append)
    redemptions = list_redemptions(repository, customer_id)
    return CustomerOverview(summary, ledger, unreadable, at, redemptions)


@dataclass(frozen=True, slots=True)
class RedemptionPreview:
    """What a redemption call would do, computed from one read: nothing is written."""

    redemption: Redemption
    """The redemption as the call would leave it."""
    writes: bool
    """False when the call would change nothing (the same request again)."""
    summary: CustomerSummary
    """The customer's summary as the call would leave it."""


def preview_redemption(
    repository: LoyaltyRepository,
    customer_id: str,
    redemption_id: str,
    action: RedemptionAction,
    points: int = 0,
    *,
    hold_timeout: timedelta = DEFAULT_HOLD_TIMEOUT,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    at: datetime | None = None,
) -> RedemptionPreview:
    """What ``reserve`` (of ``points``), ``commit`` or ``cancel`` would do at ``at`` (default:
    now), from one read of the redemption and the aggregate, writing nothing.

    Raises
    ------
    loyalty.errors.LoyaltyError
        Exactly what the call itself would raise on the same state: InsufficientPoints,
        RedemptionConflict, RedemptionNotFound, HoldExpired, RedemptionCancelled,
        InvalidIdentifier, AggregateNotReady.
    """
    require_identifier("customer id", customer_id)
    require_identifier("redemption id", redemption_id)
    at = at or utc_now()
    existing, aggregate = repository.get_redemption_state(customer_id, redemption_id)
    written: CustomerAggregate | None
    if action == "reserve":
        redemption, written = reserve_points(
            aggregate,
            existing,
            customer_id,
            redemption_id,
            points,
            at=at,
            hold_timeout=hold_timeout,
            tiers=tiers,
        )
    elif existing is None:
        raise RedemptionNotFound(customer_id, redemption_id)
    elif action == "commit":
        redemption, written = commit_redemption(aggregate, existing, at=at, tiers=tiers)
    else:
        redemption, written = cancel_redemption(aggregate, existing, at=at, tiers=tiers)
    after = written or aggregate
    summary = (
        CustomerSummary.empty(customer_id, tiers) if after is None else after.summary(at, tiers)
    )
    return RedemptionPreview(redemption, written is not None, summary)
