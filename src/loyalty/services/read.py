"""Read a customer's balance: what the HTTP API, the CLI and other services show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.inbound.identifiers import validate_identifier

if TYPE_CHECKING:
    from datetime import datetime

    from loyalty.domain.aggregates import CustomerSummary
    from loyalty.domain.transactions import Transaction
    from loyalty.repository.base import LoyaltyRepository

__all__ = ["customer_ledger", "customer_summary"]


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
    return repository.get_summary(validate_identifier(customer_id), tiers, at=at)


def customer_ledger(repository: LoyaltyRepository, customer_id: str) -> list[Transaction]:
    """A customer's transactions still in the ledger, newest first (KSUIDs break ties).

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is not a valid id, saying why.
    """
    transactions = repository.list_transactions(validate_identifier(customer_id))
    return sorted(transactions, key=lambda t: (t.created_at, t.transaction_id), reverse=True)
