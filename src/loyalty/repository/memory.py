"""An in-memory repository with the same semantics as the DynamoDB adapter, stream included."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from loyalty.domain.aggregates import CustomerAggregate, CustomerSummary
from loyalty.domain.clock import utc_now
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.domain.transactions import Transaction, TransactionStatus
from loyalty.errors import AggregateConflict, RedemptionWriteConflict
from loyalty.inbound.streams import lambda_stream_record
from loyalty.repository.base import WriteOutcome
from loyalty.repository.items import (
    aggregate_to_item,
    redemption_to_item,
    transaction_to_item,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Sequence
    from concurrent.futures import Executor
    from datetime import datetime

    from loyalty.domain.redemptions import Redemption
    from loyalty.repository.base import AggregateSave, OnUnreadable

__all__ = ["InMemoryLoyaltyRepository"]


class InMemoryLoyaltyRepository:
    """Thread-safe dict-backed repository with the DynamoDB adapter's semantics.

    ``write_count`` counts item writes as DynamoDB bills them: one per conditional write, each
    customer of a grouped aggregate write counted on its own. Every change that DynamoDB would put
    on the table's stream (NEW_AND_OLD_IMAGES) is recorded as a Lambda-shaped stream record;
    :meth:`take_stream_event` hands them over as an event for ``aggregate_stream_event``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transactions: dict[tuple[str, str], Transaction] = {}
        # Booking ids per customer, so reading one customer's ledger costs their transactions only.
        self._bookings: dict[str, set[str]] = {}
        self._aggregates: dict[str, CustomerAggregate] = {}
        self._redemptions: dict[tuple[str, str], Redemption] = {}
        self._stream: list[dict[str, Any]] = []
        self._sequence = itertools.count(10**20)
        self.write_count = 0

    def take_stream_event(self) -> dict[str, Any]:
        """Return the stream records written since the last call as a Lambda event."""
        with self._lock:
            records, self._stream = self._stream, []
        return {"Records": records}

    def _emit(
        self,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        *,
        ttl_removal: bool = False,
    ) -> None:
        # Called with the lock held; only real changes reach the stream, as in DynamoDB.
        sequence = str(next(self._sequence))
        self._stream.append(lambda_stream_record(old, new, sequence, ttl_removal=ttl_removal))

    def record_transaction(self, transaction: Transaction) -> WriteOutcome:
        key = (transaction.customer_id, transaction.booking_id)
        with self._lock:
            self.write_count += 1
            existing = self._transactions.get(key)
            if existing is None:
                self._store(transaction)
                self._emit(None, transaction_to_item(transaction))
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
                revoked = replace(transaction, status=TransactionStatus.REVOKED)
                self._store(revoked)
                self._emit(None, transaction_to_item(revoked))
                return WriteOutcome.REVOKED_BEFORE_CONFIRM
            if existing.status is TransactionStatus.REVOKED:
                return WriteOutcome.ALREADY_REVOKED
            revoked = replace(
                existing, status=TransactionStatus.REVOKED, revoked_at=transaction.revoked_at
            )
            self._store(revoked)
            self._emit(transaction_to_item(existing), transaction_to_item(revoked))
            return WriteOutcome.REVOKED

    def _store(self, transaction: Transaction) -> None:
        # Called with the lock held.
        self._transactions[(transaction.customer_id, transaction.booking_id)] = transaction
        self._bookings.setdefault(transaction.customer_id, set()).add(transaction.booking_id)

    def get_transaction(self, customer_id: str, booking_id: str) -> Transaction | None:
        with self._lock:
            return self._transactions.get((customer_id, booking_id))

    def list_transactions(
        self, customer_id: str, *, on_unreadable: OnUnreadable | None = None
    ) -> list[Transaction]:
        # Items are kept decoded, so none is ever unreadable here.
        with self._lock:
            return [
                self._transactions[(customer_id, booking)]
                for booking in sorted(self._bookings.get(customer_id, ()))
            ]

    def remove_transaction(
        self, customer_id: str, booking_id: str, *, by_ttl: bool = False
    ) -> None:
        """Delete a transaction, as an operator or (``by_ttl``) DynamoDB's TTL service would."""
        with self._lock:
            removed = self._transactions.pop((customer_id, booking_id), None)
            if removed is not None:
                self._bookings[customer_id].discard(booking_id)
                self._emit(transaction_to_item(removed), None, ttl_removal=by_ttl)

    def remove_aggregate(self, customer_id: str) -> None:
        """Delete a customer's aggregate, as an operator's hand deletion would."""
        with self._lock:
            removed = self._aggregates.pop(customer_id, None)
            if removed is not None:
                self._emit(aggregate_to_item(removed), None)

    def scan_ledger(
        self,
        segment: int = 0,
        total_segments: int = 1,
        *,
        on_unreadable: OnUnreadable | None = None,
    ) -> Iterator[Transaction]:
        with self._lock:
            snapshot = sorted(self._transactions.items())
        for index, (_, transaction) in enumerate(snapshot):
            if index % total_segments == segment:
                yield transaction

    def scan_table(
        self,
        segment: int = 0,
        total_segments: int = 1,
        *,
        on_unreadable: OnUnreadable | None = None,
    ) -> Iterator[Transaction | Redemption | CustomerAggregate]:
        # Items are kept decoded, so none is ever unreadable here.
        with self._lock:
            snapshot: list[Transaction | Redemption | CustomerAggregate] = [
                *(transaction for _, transaction in sorted(self._transactions.items())),
                *(redemption for _, redemption in sorted(self._redemptions.items())),
                *(aggregate for _, aggregate in sorted(self._aggregates.items())),
            ]
        for index, item in enumerate(snapshot):
            if index % total_segments == segment:
                yield item

    def get_aggregate(self, customer_id: str) -> CustomerAggregate | None:
        with self._lock:
            return self._aggregates.get(customer_id)

    def get_aggregates(self, customer_ids: Collection[str]) -> dict[str, CustomerAggregate]:
        with self._lock:
            return {c: self._aggregates[c] for c in customer_ids if c in self._aggregates}

    def save_aggregate(
        self, aggregate: CustomerAggregate, expected: CustomerAggregate | None
    ) -> None:
        with self._lock:
            self.write_count += 1
            current = self._aggregates.get(aggregate.customer_id)
            matches = (
                current is None
                if expected is None
                else (current is not None and current.version == expected.version)
            )
            if not matches:
                raise AggregateConflict(aggregate.customer_id, current)
            self._aggregates[aggregate.customer_id] = aggregate
            self._emit(
                None if current is None else aggregate_to_item(current),
                aggregate_to_item(aggregate),
            )

    def save_aggregates(
        self, writes: Sequence[AggregateSave], *, executor: Executor | None = None
    ) -> dict[str, Exception]:
        failures: dict[str, Exception] = {}
        for aggregate, expected in writes:
            try:
                self.save_aggregate(aggregate, expected)
            except Exception as error:
                failures[aggregate.customer_id] = error
        return failures

    def get_summary(
        self,
        customer_id: str,
        tiers: TierPolicy = DEFAULT_TIER_POLICY,
        *,
        at: datetime | None = None,
    ) -> CustomerSummary:
        aggregate = self.get_aggregate(customer_id)
        if aggregate is None:
            return CustomerSummary.empty(customer_id, tiers)
        return aggregate.summary(at or utc_now(), tiers)

    def get_redemption(self, customer_id: str, redemption_id: str) -> Redemption | None:
        with self._lock:
            return self._redemptions.get((customer_id, redemption_id))

    def list_redemptions(self, customer_id: str) -> list[Redemption]:
        with self._lock:
            return [
                redemption
                for (customer, _), redemption in sorted(self._redemptions.items())
                if customer == customer_id
            ]

    def get_redemption_state(
        self, customer_id: str, redemption_id: str
    ) -> tuple[Redemption | None, CustomerAggregate | None]:
        with self._lock:
            return (
                self._redemptions.get((customer_id, redemption_id)),
                self._aggregates.get(customer_id),
            )

    def save_redemption(
        self,
        redemption: Redemption,
        expected: Redemption | None,
        aggregate: CustomerAggregate,
        expected_aggregate: CustomerAggregate,
    ) -> None:
        key = (redemption.customer_id, redemption.redemption_id)
        with self._lock:
            # One TransactWriteItems of two items: two write requests' worth, counted as one call.
            self.write_count += 1
            stored = self._redemptions.get(key)
            current = self._aggregates.get(aggregate.customer_id)
            redemption_ok = (
                stored is None
                if expected is None
                else (stored is not None and stored.status is expected.status)
            )
            if (
                not redemption_ok
                or current is None
                or current.version != expected_aggregate.version
            ):
                raise RedemptionWriteConflict(redemption.customer_id, redemption.redemption_id)
            self._redemptions[key] = redemption
            self._aggregates[aggregate.customer_id] = aggregate
            self._emit(
                None if stored is None else redemption_to_item(stored),
                redemption_to_item(redemption),
            )
            self._emit(aggregate_to_item(current), aggregate_to_item(aggregate))
