"""Backfill's rule: rebuild an aggregate from the ledger only when every change is provably applied.

The scenarios are the ones that double-counted before: the aggregator held while backfill runs,
then released. The aggregate must end equal to the ledger, not to the ledger plus the held record.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty import (
    AggregateCache,
    CustomerAggregate,
    InMemoryLoyaltyRepository,
    LoyaltyPolicy,
    Tier,
    aggregate_stream_event,
    ingest_sqs_event,
    reconcile_customer,
)
from loyalty.domain.transactions import ExpiryPolicy
from loyalty.errors import InvalidIdentifier
from loyalty.testing import booking_body, sqs_event, sqs_record


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


POLICY = LoyaltyPolicy(expiry=ExpiryPolicy(fake=timedelta(minutes=5)))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repository() -> InMemoryLoyaltyRepository:
    return InMemoryLoyaltyRepository()


def book(
    repository: InMemoryLoyaltyRepository,
    clock: Clock,
    booking: str,
    points: int,
    status: str = "confirmed",
    **attributes: str,
) -> None:
    clock.advance(seconds=1)
    record = sqs_record(booking_body("c-1", booking, points), status=status, attributes=attributes)
    assert ingest_sqs_event(sqs_event(record), repository, policy=POLICY, now=clock).failures == {}


def deliver(repository: InMemoryLoyaltyRepository, clock: Clock, event: dict[str, Any]) -> None:
    result = aggregate_stream_event(event, repository, now=clock, cache=AggregateCache())
    assert result.response() == {"batchItemFailures": []}


def points(repository: InMemoryLoyaltyRepository, clock: Clock) -> int:
    return repository.get_summary("c-1", at=clock()).points


def test_a_held_earning_is_reported_in_flight_then_counted_once_when_released(
    repository: InMemoryLoyaltyRepository, clock: Clock
) -> None:
    book(repository, clock, "b-1", 40_000)
    book(repository, clock, "b-2", 50_000)
    deliver(repository, clock, repository.take_stream_event())
    book(repository, clock, "b-3", 40_000)
    held = repository.take_stream_event()  # the aggregator is held: b-3 has not arrived

    clock.advance(seconds=5)
    result = reconcile_customer(repository, "c-1", dry_run=False, now=clock)
    assert result.action == "in_flight"
    assert (result.stored, result.ledger, result.in_flight) == (90_000, 130_000, 1)
    assert points(repository, clock) == 90_000  # nothing written

    deliver(repository, clock, held)  # released
    assert points(repository, clock) == 130_000
    assert reconcile_customer(repository, "c-1", dry_run=False, now=clock).action == "ok"


def test_a_held_revocation_is_reported_in_flight_then_applied_once(
    repository: InMemoryLoyaltyRepository, clock: Clock
) -> None:
    book(repository, clock, "b-1", 60_000)
    book(repository, clock, "b-2", 30_000)
    deliver(repository, clock, repository.take_stream_event())
    book(repository, clock, "b-1", 60_000, status="cancelled")
    held = repository.take_stream_event()
    result = reconcile_customer(repository, "c-1", dry_run=False, now=clock)
    assert result.action == "in_flight"
    deliver(repository, clock, held)
    assert points(repository, clock) == 30_000


def test_drift_from_a_lost_record_is_fixed_once_the_aggregator_moved_past_it(
    repository: InMemoryLoyaltyRepository, clock: Clock
) -> None:
    book(repository, clock, "b-1", 10_000)
    repository.take_stream_event()  # lost: dead-lettered after its retries
    book(repository, clock, "b-2", 20_000)
    deliver(repository, clock, repository.take_stream_event())
    assert points(repository, clock) == 20_000

    dry = reconcile_customer(repository, "c-1", dry_run=True, now=clock)
    assert (dry.action, dry.stored, dry.ledger) == (
        "would_fix",
        20_000,
        30_000,
    )
    assert points(repository, clock) == 20_000
    fixed = reconcile_customer(repository, "c-1", dry_run=False, now=clock)
    assert fixed.action == "fixed"
    assert points(repository, clock) == 30_000
    # The aggregator goes on from the same high-water mark: a redelivery changes nothing.
    book(repository, clock, "b-3", 5_000)
    deliver(repository, clock, repository.take_stream_event())
    assert points(repository, clock) == 35_000


def test_a_held_removal_of_expired_fake_points_changes_nothing_either_way(
    repository: InMemoryLoyaltyRepository, clock: Clock
) -> None:
    book(repository, clock, "b-1", 30_000)
    book(repository, clock, "fake-1", 10_000, **{"Booking.Fake": "true"})
    deliver(repository, clock, repository.take_stream_event())
    assert points(repository, clock) == 40_000
    clock.advance(minutes=6)
    assert points(repository, clock) == 30_000  # expired at its instant, no deletion needed
    repository.remove_transaction("c-1", "fake-1", by_ttl=True)
    held = repository.take_stream_event()
    assert reconcile_customer(repository, "c-1", dry_run=False, now=clock).action == "ok"
    deliver(repository, clock, held)
    assert points(repository, clock) == 30_000


def test_a_v1_aggregate_is_upgraded_to_lots_only_once_its_ledger_is_settled(
    repository: InMemoryLoyaltyRepository, clock: Clock
) -> None:
    book(repository, clock, "b-1", 60_000)
    v1 = CustomerAggregate("c-1", 60_000, Tier.SILVER, None, applied_sequence="1", version=7)
    repository.save_aggregate(v1, None)
    repository.take_stream_event()
    # A v1 aggregate records no change time: a recent ledger change may still be in flight.
    assert reconcile_customer(repository, "c-1", dry_run=False, now=clock).action == "in_flight"
    assert points(repository, clock) == 60_000  # it answers its v1 balance meanwhile

    # The aggregator folds a v1 aggregate as v1 did, and records the change time it applied.
    book(repository, clock, "b-2", 1_000)
    deliver(repository, clock, repository.take_stream_event())
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert (stored.has_lots, stored.points) == (False, 61_000)

    upgraded = reconcile_customer(repository, "c-1", dry_run=False, now=clock)
    assert (upgraded.action, upgraded.upgrade) == ("fixed", True)
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.has_lots
    summary = repository.get_summary("c-1", at=clock())
    assert (summary.points, len(summary.expiring)) == (61_000, 1)


def test_changes_older_than_the_streams_retention_are_settled_without_a_mark(
    repository: InMemoryLoyaltyRepository, clock: Clock
) -> None:
    book(repository, clock, "b-1", 60_000)
    repository.take_stream_event()
    v1 = CustomerAggregate("c-1", 50_000, Tier.SILVER, None, version=1)
    repository.save_aggregate(v1, None)
    clock.advance(hours=25)
    fixed = reconcile_customer(repository, "c-1", dry_run=False, now=clock)
    assert (fixed.action, fixed.stored, fixed.ledger) == (
        "fixed",
        50_000,
        60_000,
    )


def test_a_fix_that_loses_a_race_rereads_and_a_customer_that_keeps_changing_is_a_conflict(
    repository: InMemoryLoyaltyRepository, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    book(repository, clock, "b-1", 100)
    clock.advance(hours=25)
    save = repository.save_aggregate
    calls = []

    def racing(aggregate: CustomerAggregate, expected: CustomerAggregate | None) -> None:
        calls.append(aggregate)
        # Another writer lands first every time, with an aggregate still short of the ledger.
        current = repository.get_aggregate("c-1")
        version = (current.version if current else 0) + 1
        save(CustomerAggregate("c-1", 0, Tier.BRONZE, (), version=version), current)
        save(aggregate, expected)

    monkeypatch.setattr(repository, "save_aggregate", racing)
    result = reconcile_customer(repository, "c-1", dry_run=False, now=clock, attempts=3)
    assert result.action == "conflict"
    assert len(calls) == 3


def test_an_invalid_customer_id_is_refused() -> None:
    with pytest.raises(InvalidIdentifier):
        reconcile_customer(InMemoryLoyaltyRepository(), "a#b", dry_run=True)
