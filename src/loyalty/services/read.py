"""Read a customer's balance: what the HTTP API, the CLI and other services show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from loyalty.domain.clock import utc_now
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.inbound.identifiers import require_identifier

if TYPE_CHECKING:
    from datetime import datetime

    from loyalty.domain.aggregates import CustomerSummary
    from loyalty.domain.transactions import Transaction
    from loyalty.errors import UnreadableItem
    from loyalty.repository.base import LoyaltyRepository, OnUnreadable

__all__ = ["CustomerOverview", "customer_ledger", "customer_overview", "customer_summary"]


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
    """A customer's aggregate summary at an instant beside their ledger (newest first)."""

    summary: CustomerSummary
    ledger: list[Transaction]
    unreadable: list[UnreadableItem]
    """Ledger items that could not be decoded, left out of ``ledger`` and ``balance``."""
    at: datetime
    """The instant the summary was computed at."""

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
    """A customer's summary at instant ``at`` (default: now) and ledger, read together for an
    operator.

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is not a valid id, saying why.
    """
    at = at or utc_now()
    summary = customer_summary(repository, customer_id, tiers=tiers, at=at)
    unreadable: list[UnreadableItem] = []
    ledger = customer_ledger(repository, customer_id, on_unreadable=unreadable.append)
    return CustomerOverview(summary, ledger, unreadable, at)
