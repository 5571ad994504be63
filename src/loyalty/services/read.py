"""Read a customer's balance: what the HTTP API, the CLI and other services show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.inbound.identifiers import require_identifier

if TYPE_CHECKING:
    from loyalty.domain.aggregates import CustomerSummary
    from loyalty.domain.transactions import Transaction
    from loyalty.errors import UnreadableItem
    from loyalty.repository.base import LoyaltyRepository, OnUnreadable

__all__ = ["CustomerOverview", "customer_ledger", "customer_overview", "customer_summary"]


def customer_summary(
    repository: LoyaltyRepository, customer_id: str, *, tiers: TierPolicy = DEFAULT_TIER_POLICY
) -> CustomerSummary:
    """A customer's points, tier and points to the next tier (0 points, BRONZE if unknown).

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is not a valid id, saying why.
    """
    return repository.get_summary(require_identifier("customer id", customer_id), tiers)


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
    """A customer's aggregate summary beside their ledger (newest first)."""

    summary: CustomerSummary
    ledger: list[Transaction]
    unreadable: list[UnreadableItem]
    """Ledger items that could not be decoded, left out of ``ledger`` and ``balance``."""

    @property
    def balance(self) -> int:
        """What the ledger holds; differs from the summary while the aggregate lags or drifts."""
        return sum(transaction.value for transaction in self.ledger)


def customer_overview(
    repository: LoyaltyRepository, customer_id: str, *, tiers: TierPolicy = DEFAULT_TIER_POLICY
) -> CustomerOverview:
    """A customer's summary and ledger, read together for an operator.

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If ``customer_id`` is not a valid id, saying why.
    """
    summary = customer_summary(repository, customer_id, tiers=tiers)
    unreadable: list[UnreadableItem] = []
    ledger = customer_ledger(repository, customer_id, on_unreadable=unreadable.append)
    return CustomerOverview(summary, ledger, unreadable)
