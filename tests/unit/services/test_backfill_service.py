"""The backfill service on the in-memory repository: find drift, settle, fix only what stood still."""

from __future__ import annotations

import pytest

from loyalty import InMemoryLoyaltyRepository, Tier, TierPolicy
from loyalty.domain.aggregates import CustomerAggregate
from loyalty.services.backfill import backfill, reconcile_aggregate, scan_balances
from tests.support.builders import active_transaction

TIERS = TierPolicy(silver=500, gold=1_000)


def earn(repository: InMemoryLoyaltyRepository, customer: str, booking: str, points: int) -> None:
    repository.record_transaction(active_transaction(customer, booking, points))


def store(repository: InMemoryLoyaltyRepository, customer: str, points: int) -> None:
    expected = repository.get_aggregate(customer)
    assert reconcile_aggregate(repository, customer, points, expected, tiers=TIERS)


def no_wait(seconds: float) -> None:
    """A settle interval that passes without anything happening meanwhile."""


@pytest.fixture
def repository() -> InMemoryLoyaltyRepository:
    return InMemoryLoyaltyRepository()


def test_one_scan_finds_ledgers_and_aggregates_including_customers_with_only_one(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "ledger-only", "b-1", 300)
    store(repository, "aggregate-only", 200)
    earn(repository, "both", "b-1", 100)
    store(repository, "both", 100)
    repository.save_aggregate(CustomerAggregate("wrong-tier", 10, Tier.GOLD), None)
    ledger, stored = scan_balances(repository, TIERS, segments=3)
    assert ledger == {"ledger-only": 300, "both": 100}
    assert stored == {"aggregate-only": 200, "both": 100, "wrong-tier": -1}


def test_every_kind_of_drift_is_fixed_and_customers_in_step_are_left_alone(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "in-step", "b-1", 100)
    store(repository, "in-step", 100)
    earn(repository, "never-aggregated", "b-1", 300)
    store(repository, "all-expired", 500)
    approved: list[list[str]] = []
    result = backfill(
        repository,
        tiers=TIERS,
        sleep=no_wait,
        approve=lambda drifted: approved.append([d.customer_id for d in drifted]),
    )
    assert result.checked == 3
    assert approved == [["all-expired", "never-aggregated"]]
    assert result.customers("fixed") == ["all-expired", "never-aggregated"]
    fixed = repository.get_aggregate("never-aggregated")
    assert fixed is not None
    assert (fixed.points, fixed.tier) == (300, Tier.BRONZE)
    in_step = repository.get_aggregate("in-step")
    assert in_step is not None
    assert in_step.version == 1


def test_a_dry_run_reports_drift_without_asking_sleeping_or_writing(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "c-1", "b-1", 100)

    def refuse(_: object) -> None:
        raise AssertionError("a dry run must not ask")

    result = backfill(repository, tiers=TIERS, dry_run=True, approve=refuse, sleep=refuse)
    assert [(d.customer_id, d.stored, d.ledger, d.action) for d in result.drifted] == [
        ("c-1", 0, 100, "would_fix")
    ]
    assert repository.get_aggregate("c-1") is None


def test_the_settle_wait_lets_a_catching_up_aggregator_win(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "c-1", "b-1", 100)  # its stream record is still on the way
    waited: list[float] = []

    def aggregator_catches_up(seconds: float) -> None:
        waited.append(seconds)
        store(repository, "c-1", 100)

    result = backfill(
        repository, tiers=TIERS, customer_id="c-1", settle_seconds=2.5, sleep=aggregator_catches_up
    )
    assert waited == [2.5]
    assert [d.action for d in result.drifted] == ["ok"]
    aggregate = repository.get_aggregate("c-1")
    assert aggregate is not None
    assert aggregate.version == 1  # the aggregator's write stands


def test_a_customer_still_moving_after_the_settle_wait_is_left_for_the_next_run(
    repository: InMemoryLoyaltyRepository,
) -> None:
    earn(repository, "c-1", "b-1", 100)
    store(repository, "c-1", 100)
    earn(repository, "c-1", "b-2", 50)

    def more_traffic(seconds: float) -> None:
        store(repository, "c-1", 150)
        earn(repository, "c-1", "b-3", 25)

    result = backfill(repository, tiers=TIERS, customer_id="c-1", sleep=more_traffic)
    assert result.customers("moving") == ["c-1"]
    aggregate = repository.get_aggregate("c-1")
    assert aggregate is not None
    assert aggregate.points == 150


def test_declining_the_approval_writes_nothing(repository: InMemoryLoyaltyRepository) -> None:
    earn(repository, "c-1", "b-1", 100)

    def decline(_: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backfill(repository, tiers=TIERS, approve=decline, sleep=no_wait)
    assert repository.get_aggregate("c-1") is None


def test_progress_is_reported_per_stage(repository: InMemoryLoyaltyRepository) -> None:
    earn(repository, "c-1", "b-1", 100)
    earn(repository, "c-2", "b-1", 100)
    seen: list[tuple[str, int, int | None]] = []
    backfill(
        repository,
        tiers=TIERS,
        sleep=no_wait,
        on_progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert [entry for entry in seen if entry[0] != "scanning"] == [
        ("checking", 1, 2),
        ("checking", 2, 2),
        ("fixing", 1, 2),
        ("fixing", 2, 2),
    ]
    assert sorted(done for stage, done, _ in seen if stage == "scanning") == [1, 2]
