"""An in-memory repository with the same semantics as the DynamoDB adapter, for tests."""

from __future__ import annotations

import threading
from dataclasses import replace

from loyalty.domain.transactions import Transaction, TransactionStatus
from loyalty.repository.base import WriteOutcome

__all__ = ["InMemoryLoyaltyRepository"]


class InMemoryLoyaltyRepository:
    """Thread-safe dict-backed repository; ``write_count`` counts write requests like DynamoDB's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transactions: dict[tuple[str, str], Transaction] = {}
        self.write_count = 0

    def record_transaction(self, transaction: Transaction) -> WriteOutcome:
        key = (transaction.customer_id, transaction.booking_id)
        with self._lock:
            self.write_count += 1
            existing = self._transactions.get(key)
            if existing is None:
                self._transactions[key] = transaction
                return WriteOutcome.CREATED
            if existing.status is TransactionStatus.REVOKED:
                return WriteOutcome.CONFIRM_AFTER_CANCEL
            return WriteOutcome.DUPLICATE

    def revoke_transaction(self, transaction: Transaction) -> WriteOutcome:
        key = (transaction.customer_id, transaction.booking_id)
        with self._lock:
            self.write_count += 1
            existing = self._transactions.get(key)
            if existing is None:
                self._transactions[key] = replace(transaction, status=TransactionStatus.REVOKED)
                return WriteOutcome.REVOKED_BEFORE_CONFIRM
            if existing.status is TransactionStatus.REVOKED:
                return WriteOutcome.ALREADY_REVOKED
            self._transactions[key] = replace(
                existing, status=TransactionStatus.REVOKED, revoked_at=transaction.revoked_at
            )
            return WriteOutcome.REVOKED

    def get_transaction(self, customer_id: str, booking_id: str) -> Transaction | None:
        with self._lock:
            return self._transactions.get((customer_id, booking_id))

    def list_transactions(self, customer_id: str) -> list[Transaction]:
        with self._lock:
            return [
                transaction
                for (customer, _), transaction in sorted(self._transactions.items())
                if customer == customer_id
            ]

    def remove_transaction(self, customer_id: str, booking_id: str) -> None:
        """Delete a transaction as DynamoDB's TTL would (tests only)."""
        with self._lock:
            self._transactions.pop((customer_id, booking_id), None)
