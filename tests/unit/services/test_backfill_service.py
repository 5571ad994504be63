"""The backfill service on the in-memory repository: find drift, fix only what is provably
applied, report the rest in flight."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from loyalty import (
    AggregateCache,
    InMemoryLoyaltyRepository,
    Tier,
    TierPolicy,
    aggregate_stream_event,
    cancel,
    commit,
    customer_summary,
    reserve,
)
from loyalty.domain.aggregates import CustomerAggregate, Lot
from loyalty.domain.clock import format_timestamp
from loyalty.services.backfill import backfill, scan_balances
from tests.support.builders import active_transaction

TIERS = TierPolicy(silver=500, gold=1_000)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
EXPIRY = 2_000_000_000
APPLIED_AT = "2026-11-01T10:00:00.000Z"
"""When the builders' transactions changed: long before NOW, so nothing of theirs is in flight."""


def clock() -> datetime:
    return NOW


def earn(
    repository: InMemoryLoyaltyRepository,
    customer: str,
    booking: str,
    points: int,
    *,
    ago: timedelta | None = None,
    expires_at: int = EXPIRY,
) -> None:
    transaction = active_transaction(customer, booking, points, expires_at=expires_at)
    if ago is not None:
        transaction = replace(transaction, created_at=format_timestamp(NOW - ago))
    repository.record_transaction(transaction)


def store(
    repository: InMemoryLoyaltyRepository,
    customer: str,
    points: int,
    *,
    applied_change_at: str = APPLIED_AT,
) -> None:
    """Set the stored aggregate as the aggregator would have (possibly wrongly)."""
    current = repository.get_aggregate(customer)
    aggregate = CustomerAggregate(
        customer,
        points,
        TIERS.tier_of(points),
        (Lot(EXPIRY, points, points),) if points else (),
        qualifying_points=points,
        applied_change_at=applied_change_at,
        version=(current.version if current else 0) + 1,
    )
    repository.save_aggregate(aggregate, current)


@pytest.fixture
def repository() -> InMemoryLoyaltyRepository:
    return InMemoryLoyaltyRepository()


def test_one_scan_finds_ledgers_and_aggregates_including_customers_with_only_one(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "ledger-only", "b-1", 300)
    store(repository, "aggregate-only", 200)
    earn(repository, "both", "b-1", 100)
    earn(repository, "both", "b-2", 50, expires_at=int(NOW.timestamp()))  # expired at NOW
    store(repository, "both", 100)
    repository.save_aggregate(CustomerAggregate("written-by-v1", 10, Tier.BRONZE, None), None)
    in_step = scan_balances(repository, NOW, tiers=TIERS, segments=3)
    assert in_step == {
        "ledger-only": False,
        "aggregate-only": False,
        "both": True,
        "written-by-v1": False,
    }


class CountingRepository(InMemoryLoyaltyRepository):
    """Counts the per-customer reads a check after the scan makes."""

    def __init__(self) -> None:
        super().__init__()
        self.customer_reads: list[str] = []

    def get_aggregate(self, customer_id: str) -> CustomerAggregate | None:
        self.customer_reads.append(customer_id)
        return super().get_aggregate(customer_id)


def aggregated(repository: InMemoryLoyaltyRepository) -> None:
    """The stream aggregator catches up with what was written, at NOW."""
    event = repository.take_stream_event()
    result = aggregate_stream_event(
        event, repository, tiers=TIERS, now=clock, cache=AggregateCache()
    )
    assert result.response() == {"batchItemFailures": []}


def test_customers_who_spent_held_got_refunds_or_owe_arrears_are_in_step_and_not_read_again() -> (
    None
):
    repository = CountingRepository()
    for customer in ("spent", "holding", "refunded", "owing"):
        earn(repository, customer, "b-1", 300)
        earn(repository, customer, "b-2", 200, expires_at=EXPIRY + 86_400)
    aggregated(repository)
    reserve(repository, "spent", "r-1", 350, now=clock)
    commit(repository, "spent", "r-1", now=clock)
    reserve(repository, "holding", "r-1", 100, now=clock)
    reserve(repository, "holding", "r-timed-out", 50, now=lambda: NOW - timedelta(hours=1))
    reserve(repository, "refunded", "r-1", 400, now=clock)
    commit(repository, "refunded", "r-1", now=clock)
    cancel(repository, "refunded", "r-1", now=clock)
    reserve(repository, "owing", "r-1", 450, now=clock)
    commit(repository, "owing", "r-1", now=clock)
    repository.revoke_transaction(active_transaction("owing", "b-1", 300).revoked(NOW))
    aggregated(repository)
    assert customer_summary(repository, "owing", tiers=TIERS, at=NOW).arrears == 250
    repository.customer_reads.clear()
    result = backfill(repository, tiers=TIERS, now=clock)
    assert (result.checked, result.drifted) == (4, ())
    assert repository.customer_reads == []


def test_an_aggregate_that_lost_a_redemptions_effect_is_found_by_the_scan_and_fixed(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "c-1", "b-1", 300)
    aggregated(repository)
    reserve(repository, "c-1", "r-spent", 100, now=clock)
    commit(repository, "c-1", "r-spent", now=clock)
    reserve(repository, "c-1", "r-held", 50, now=clock)
    # A restore from an older copy: the aggregate as it was before both redemptions.
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    restored = replace(stored, lots=(Lot(EXPIRY, 300, 300),), holds=(), version=stored.version + 1)
    repository.save_aggregate(restored, stored)
    assert scan_balances(repository, NOW, tiers=TIERS) == {"c-1": False}
    result = backfill(repository, tiers=TIERS, now=clock)
    assert [(d.customer_id, d.stored, d.ledger, d.action) for d in result.drifted] == [
        ("c-1", 300, 150, "fixed")
    ]
    summary = customer_summary(repository, "c-1", tiers=TIERS, at=NOW)
    assert (summary.points, summary.held_points, summary.qualifying_points) == (150, 50, 300)
    assert scan_balances(repository, NOW, tiers=TIERS) == {"c-1": True}


def test_every_kind_of_drift_is_fixed_and_customers_in_step_are_left_alone(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "in-step", "b-1", 100)
    store(repository, "in-step", 100)
    earn(repository, "never-aggregated", "b-1", 300)
    store(repository, "all-expired", 500)
    repository.save_aggregate(CustomerAggregate("written-by-v1", 10, Tier.BRONZE, None), None)
    earn(repository, "written-by-v1", "b-1", 10)
    approved: list[list[str]] = []
    result = backfill(
        repository,
        tiers=TIERS,
        now=clock,
        approve=lambda drifted: approved.append([d.customer_id for d in drifted]),
    )
    assert result.checked == 4
    assert approved == [["all-expired", "never-aggregated", "written-by-v1"]]
    assert result.customers("fixed") == ["all-expired", "never-aggregated", "written-by-v1"]
    assert [d.upgrade for d in result.drifted] == [False, False, True]
    fixed = repository.get_aggregate("never-aggregated")
    assert fixed is not None
    assert (fixed.points, fixed.tier, fixed.lots) == (300, Tier.BRONZE, (Lot(EXPIRY, 300, 300),))
    upgraded = repository.get_aggregate("written-by-v1")
    assert upgraded is not None
    assert (upgraded.has_lots, upgraded.points) == (True, 10)
    in_step = repository.get_aggregate("in-step")
    assert in_step is not None
    assert in_step.version == 1


def test_a_dry_run_reports_drift_without_asking_or_writing(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "c-1", "b-1", 100)

    def refuse(_: object) -> None:
        raise AssertionError("a dry run must not ask")

    result = backfill(repository, tiers=TIERS, now=clock, dry_run=True, approve=refuse)
    assert [(d.customer_id, d.stored, d.ledger, d.action) for d in result.drifted] == [
        ("c-1", 0, 100, "would_fix")
    ]
    assert repository.get_aggregate("c-1") is None


def test_a_change_still_on_its_way_is_reported_in_flight_and_the_aggregators_write_stands(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "c-1", "b-1", 100)
    store(repository, "c-1", 100)
    earn(repository, "c-1", "b-2", 50, ago=timedelta(seconds=5))  # its record is on its way

    def refuse(_: object) -> None:
        raise AssertionError("nothing can be fixed: nothing to approve")

    result = backfill(repository, tiers=TIERS, customer_id="c-1", now=clock, approve=refuse)
    assert [(d.action, d.stored, d.ledger, d.in_flight) for d in result.drifted] == [
        ("in_flight", 100, 150, 1)
    ]
    aggregate = repository.get_aggregate("c-1")
    assert aggregate is not None
    assert (aggregate.points, aggregate.version) == (100, 1)  # not fixed to 150

    store(repository, "c-1", 150, applied_change_at=format_timestamp(NOW))  # the record arrives
    again = backfill(repository, tiers=TIERS, customer_id="c-1", now=clock, approve=refuse)
    assert [d.action for d in again.drifted] == []


def test_declining_the_approval_writes_nothing(repository: InMemoryLoyaltyRepository) -> None:
    earn(repository, "c-1", "b-1", 100)

    def decline(_: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backfill(repository, tiers=TIERS, now=clock, approve=decline)
    assert repository.get_aggregate("c-1") is None


def test_progress_is_reported_per_stage(repository: InMemoryLoyaltyRepository) -> None:
    earn(repository, "c-1", "b-1", 100)
    earn(repository, "c-2", "b-1", 100)
    seen: list[tuple[str, int, int | None]] = []
    backfill(
        repository,
        tiers=TIERS,
        now=clock,
        on_progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert [entry for entry in seen if entry[0] != "scanning"] == [
        ("checking", 1, 2),
        ("checking", 2, 2),
        ("fixing", 1, 2),
        ("fixing", 2, 2),
    ]
    assert sorted(done for stage, done, _ in seen if stage == "scanning") == [1, 2]
