"""The redemption services on the in-memory repository: idempotent, never overspent, and the
stream aggregator folds earnings around holds without re-applying redemption records."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty import (
    InMemoryLoyaltyRepository,
    InsufficientPoints,
    RedemptionConflict,
    RedemptionNotFound,
    RedemptionStatus,
    Transaction,
    TransactionStatus,
    aggregate_stream_event,
    cancel,
    commit,
    customer_summary,
    get_redemption,
    list_redemptions,
    reserve,
)
from loyalty.errors import InvalidIdentifier, InvalidMessage, RedemptionWriteConflict
from loyalty.services.aggregate import AggregateCache

T0 = datetime(2026, 6, 1, tzinfo=UTC)
EXPIRY = int((T0 + timedelta(days=200)).timestamp())


def _earned(repository: InMemoryLoyaltyRepository, booking: str, points: int) -> None:
    repository.record_transaction(
        Transaction(
            transaction_id=f"t-{booking}",
            customer_id="c1",
            booking_id=booking,
            points=points,
            status=TransactionStatus.ACTIVE,
            created_at="2026-06-01T00:00:00.000Z",
            expires_at=EXPIRY,
            fake=False,
        )
    )


def _aggregate(repository: InMemoryLoyaltyRepository) -> dict[str, int]:
    return dict(
        aggregate_stream_event(
            repository.take_stream_event(), repository, now=lambda: T0, cache=AggregateCache()
        ).counts
    )


@pytest.fixture
def repository() -> InMemoryLoyaltyRepository:
    repository = InMemoryLoyaltyRepository()
    _earned(repository, "b1", 300)
    _aggregate(repository)
    repository.take_stream_event()  # the aggregate's own write, which aggregation skips
    return repository


def test_reserve_commit_and_cancel_move_points_between_spendable_held_and_spent(
    repository: InMemoryLoyaltyRepository,
) -> None:
    held = reserve(repository, "c1", "r1", 100, now=lambda: T0)
    assert held.status is RedemptionStatus.HELD
    summary = customer_summary(repository, "c1", at=T0)
    assert (summary.points, summary.held_points) == (200, 100)
    assert commit(repository, "c1", "r1", now=lambda: T0).status is RedemptionStatus.COMMITTED
    assert customer_summary(repository, "c1", at=T0).points == 200
    assert cancel(repository, "c1", "r1", now=lambda: T0).status is RedemptionStatus.CANCELLED
    assert customer_summary(repository, "c1", at=T0).points == 300
    assert [r.redemption_id for r in list_redemptions(repository, "c1")] == ["r1"]
    assert get_redemption(repository, "c1", "r1").status is RedemptionStatus.CANCELLED


def test_a_repeated_reserve_returns_the_same_hold_and_writes_nothing(
    repository: InMemoryLoyaltyRepository,
) -> None:
    first = reserve(repository, "c1", "r1", 100, now=lambda: T0)
    writes = repository.write_count
    again = reserve(repository, "c1", "r1", 100, now=lambda: T0 + timedelta(seconds=30))
    assert again == first
    assert repository.write_count == writes
    with pytest.raises(RedemptionConflict):
        reserve(repository, "c1", "r1", 101, now=lambda: T0)


def test_a_refused_reserve_records_nothing(repository: InMemoryLoyaltyRepository) -> None:
    with pytest.raises(InsufficientPoints) as refused:
        reserve(repository, "c1", "r1", 301, now=lambda: T0)
    assert refused.value.available == 300
    assert list_redemptions(repository, "c1") == []


def test_unknown_redemptions_and_bad_input_are_named(repository: InMemoryLoyaltyRepository) -> None:
    with pytest.raises(RedemptionNotFound):
        commit(repository, "c1", "nope", now=lambda: T0)
    with pytest.raises(RedemptionNotFound):
        cancel(repository, "c1", "nope", now=lambda: T0)
    with pytest.raises(InvalidMessage, match="points"):
        reserve(repository, "c1", "r1", 0, now=lambda: T0)
    with pytest.raises(InvalidIdentifier, match="redemption id"):
        reserve(repository, "c1", "bad id!", 1, now=lambda: T0)


def test_concurrent_reserves_never_overspend(repository: InMemoryLoyaltyRepository) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt(index: int) -> None:
        barrier.wait()
        try:
            reserve(repository, "c1", f"r{index}", 100, now=lambda: T0)
            outcomes.append("held")
        except InsufficientPoints:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["held"] * 3 + ["refused"] * 5
    assert customer_summary(repository, "c1", at=T0).points == 0


def test_a_write_conflict_with_the_aggregator_is_retried_inside_the_call(
    repository: InMemoryLoyaltyRepository,
) -> None:
    save = repository.save_redemption
    attempts: list[str] = []

    def aggregator_writes_first(*args: Any) -> None:
        if not attempts:
            _earned(repository, "b2", 50)
            _aggregate(repository)
        try:
            save(*args)
        except RedemptionWriteConflict:
            attempts.append("conflict")
            raise
        attempts.append("written")

    repository.save_redemption = aggregator_writes_first  # type: ignore[method-assign]
    reserve(repository, "c1", "r1", 200, now=lambda: T0)
    assert attempts == ["conflict", "written"]
    summary = customer_summary(repository, "c1", at=T0)
    assert (summary.points, summary.held_points) == (150, 200)


def test_the_aggregator_skips_redemption_records_and_keeps_holds(
    repository: InMemoryLoyaltyRepository,
) -> None:
    reserve(repository, "c1", "r1", 100, now=lambda: T0)
    _earned(repository, "b2", 50)
    counts = _aggregate(repository)
    assert counts["skipped"] == 2  # the REDEEM# item and the aggregate write
    assert counts["applied"] == 1
    summary = customer_summary(repository, "c1", at=T0)
    assert (summary.points, summary.held_points, summary.qualifying_points) == (250, 100, 350)


def test_a_revocation_after_spending_leaves_arrears_repaid_by_the_next_earning(
    repository: InMemoryLoyaltyRepository,
) -> None:
    reserve(repository, "c1", "r1", 300, now=lambda: T0)
    commit(repository, "c1", "r1", now=lambda: T0)
    revoked = repository.get_transaction("c1", "b1")
    assert revoked is not None
    repository.revoke_transaction(revoked)
    _aggregate(repository)
    summary = customer_summary(repository, "c1", at=T0)
    assert (summary.points, summary.arrears, summary.qualifying_points) == (0, 300, 0)
    _earned(repository, "b2", 400)
    _aggregate(repository)
    summary = customer_summary(repository, "c1", at=T0)
    assert (summary.points, summary.arrears) == (100, 0)
