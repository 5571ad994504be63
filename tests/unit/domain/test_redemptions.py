"""Holds, commits, cancels, timeouts and arrears on the aggregate, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty.domain.aggregates import (
    CustomerAggregate,
    LedgerChange,
    LedgerImage,
    Lot,
    fold_changes,
    reconciled,
)
from loyalty.domain.redemptions import (
    RedemptionStatus,
    cancel_redemption,
    commit_redemption,
    reserve_points,
)
from loyalty.domain.tiers import Tier
from loyalty.errors import (
    AggregateNotReady,
    HoldExpired,
    InsufficientPoints,
    RedemptionCancelled,
    RedemptionConflict,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
EARLY = int((T0 + timedelta(days=10)).timestamp())
LATE = int((T0 + timedelta(days=100)).timestamp())


def _aggregate(*lots: tuple[int, int], arrears: int = 0) -> CustomerAggregate:
    return CustomerAggregate(
        "c1",
        0,
        Tier.BRONZE,
        tuple(Lot(expiry, points, points) for expiry, points in lots),
        arrears=arrears,
        version=3,
    )


def _revoke(expiry: int, points: int, sequence: int) -> LedgerChange:
    return LedgerChange(
        "c1", str(sequence), LedgerImage(expiry, points), LedgerImage(expiry, 0), item_key="b"
    )


def _earn(expiry: int, points: int, sequence: int) -> LedgerChange:
    return LedgerChange("c1", str(sequence), None, LedgerImage(expiry, points), item_key="e")


def test_a_reserve_holds_the_first_expiring_points_first() -> None:
    redemption, after = reserve_points(
        _aggregate((EARLY, 100), (LATE, 100)), None, "c1", "r1", 150, at=T0
    )
    assert redemption.allocation == ((EARLY, 100), (LATE, 50))
    assert redemption.status is RedemptionStatus.HELD
    assert after is not None
    assert after.version == 4
    summary = after.summary(T0)
    assert (summary.points, summary.held_points, summary.qualifying_points) == (50, 150, 200)


def test_a_reserve_for_more_than_spendable_is_refused_with_what_is_available() -> None:
    with pytest.raises(InsufficientPoints) as refused:
        reserve_points(_aggregate((EARLY, 100)), None, "c1", "r1", 101, at=T0)
    assert refused.value.available == 100


def test_a_customer_without_an_aggregate_has_nothing_to_reserve() -> None:
    with pytest.raises(InsufficientPoints) as refused:
        reserve_points(None, None, "c1", "r1", 1, at=T0)
    assert refused.value.available == 0


def test_a_v1_aggregate_must_be_backfilled_before_redeeming() -> None:
    with pytest.raises(AggregateNotReady):
        reserve_points(CustomerAggregate("c1", 50, Tier.BRONZE, None), None, "c1", "r1", 1, at=T0)


def test_the_same_reserve_again_returns_the_same_hold_and_writes_nothing() -> None:
    first, after = reserve_points(_aggregate((EARLY, 100)), None, "c1", "r1", 40, at=T0)
    again, nothing = reserve_points(after, first, "c1", "r1", 40, at=T0 + timedelta(seconds=60))
    assert (again, nothing) == (first, None)


def test_the_same_redemption_id_with_other_points_is_a_conflict() -> None:
    first, after = reserve_points(_aggregate((EARLY, 100)), None, "c1", "r1", 40, at=T0)
    with pytest.raises(RedemptionConflict) as conflict:
        reserve_points(after, first, "c1", "r1", 41, at=T0)
    assert (conflict.value.recorded, conflict.value.available) == (40, 60)


def test_a_hold_stops_counting_at_its_timeout_and_can_no_longer_be_committed() -> None:
    redemption, after = reserve_points(_aggregate((LATE, 100)), None, "c1", "r1", 60, at=T0)
    assert after is not None
    timeout = T0 + timedelta(seconds=900)
    assert after.summary(timeout - timedelta(seconds=1)).points == 40
    assert after.summary(timeout).points == 100
    assert redemption.status_at(timeout) is RedemptionStatus.EXPIRED
    with pytest.raises(HoldExpired):
        commit_redemption(after, redemption, at=timeout)


def test_a_commit_spends_the_hold_and_keeps_the_tier() -> None:
    redemption, held = reserve_points(_aggregate((LATE, 60_000)), None, "c1", "r1", 50_000, at=T0)
    committed, after = commit_redemption(held, redemption, at=T0 + timedelta(seconds=10))
    assert committed.status is RedemptionStatus.COMMITTED
    assert after is not None
    summary = after.summary(T0 + timedelta(days=1))
    assert (summary.points, summary.held_points, summary.tier) == (10_000, 0, Tier.SILVER)
    assert commit_redemption(after, committed, at=T0) == (committed, None)


def test_a_cancelled_redemption_cannot_be_committed() -> None:
    redemption, held = reserve_points(_aggregate((LATE, 100)), None, "c1", "r1", 60, at=T0)
    cancelled, after = cancel_redemption(held, redemption, at=T0)
    assert after is not None
    assert after.summary(T0).points == 100
    with pytest.raises(RedemptionCancelled):
        commit_redemption(after, cancelled, at=T0)
    assert cancel_redemption(after, cancelled, at=T0) == (cancelled, None)


def test_a_refund_goes_back_to_the_lots_still_counting_and_expired_ones_stay_expired() -> None:
    redemption, held = reserve_points(
        _aggregate((EARLY, 100), (LATE, 100)), None, "c1", "r1", 150, at=T0
    )
    committed, spent = commit_redemption(held, redemption, at=T0)
    later = T0 + timedelta(days=20)
    _, refunded = cancel_redemption(spent, committed, at=later)
    assert refunded is not None
    assert refunded.lots == (Lot(LATE, 100, 100),)


def test_points_held_from_a_lot_that_expires_are_spent_by_a_commit() -> None:
    at = datetime.fromtimestamp(EARLY, UTC) - timedelta(seconds=100)
    redemption, held = reserve_points(
        _aggregate((EARLY, 100), (LATE, 10)), None, "c1", "r1", 100, at=at
    )
    after_expiry = at + timedelta(seconds=200)
    assert held is not None
    assert held.summary(after_expiry).held_points == 100
    committed, after = commit_redemption(held, redemption, at=after_expiry)
    assert committed.status is RedemptionStatus.COMMITTED
    assert after is not None
    assert after.summary(after_expiry).points == 10


def test_points_released_after_their_lots_expiry_are_gone() -> None:
    at = datetime.fromtimestamp(EARLY, UTC) - timedelta(seconds=100)
    _, held = reserve_points(_aggregate((EARLY, 100), (LATE, 10)), None, "c1", "r1", 100, at=at)
    assert held is not None
    assert held.summary(at + timedelta(seconds=900)).points == 10


def test_a_revocation_after_spending_takes_other_lots_first_expiring_then_leaves_arrears() -> None:
    other = int((T0 + timedelta(days=50)).timestamp())
    start = _aggregate((EARLY, 100), (other, 30), (LATE, 30))
    redemption, held = reserve_points(start, None, "c1", "r1", 100, at=T0)
    _, spent = commit_redemption(held, redemption, at=T0)
    folded = fold_changes(spent, "c1", [_revoke(EARLY, 100, 7)], at=T0)
    assert folded is not None
    assert not folded.clamped
    after = folded.aggregate
    assert after.arrears == 40
    summary = after.summary(T0)
    assert (summary.points, summary.arrears, summary.qualifying_points) == (0, 40, 60)
    repaid = fold_changes(after, "c1", [_earn(LATE, 50, 8)], at=T0)
    assert repaid is not None
    assert (repaid.aggregate.arrears, repaid.aggregate.summary(T0).points) == (0, 10)


def test_a_released_hold_repays_arrears_before_becoming_spendable() -> None:
    start = _aggregate((EARLY, 100), (LATE, 100))
    spend, held = reserve_points(start, None, "c1", "spend", 100, at=T0)
    _, spent = commit_redemption(held, spend, at=T0)
    hold, held_again = reserve_points(spent, None, "c1", "hold", 100, at=T0)
    folded = fold_changes(held_again, "c1", [_revoke(EARLY, 100, 7)], at=T0)
    assert folded is not None
    assert folded.aggregate.arrears == 100
    after_timeout = T0 + timedelta(seconds=900)
    summary = folded.aggregate.summary(after_timeout)
    assert (summary.arrears, summary.points, summary.held_points) == (0, 0, 0)
    assert hold.status_at(after_timeout) is RedemptionStatus.EXPIRED


def test_the_aggregator_keeps_the_holds_it_folds_around() -> None:
    _, held = reserve_points(_aggregate((LATE, 100)), None, "c1", "r1", 30, at=T0)
    folded = fold_changes(held, "c1", [_earn(LATE, 5, 9)], at=T0)
    assert folded is not None
    assert held is not None
    assert folded.aggregate.holds == held.holds
    assert folded.aggregate.summary(T0).points == 75


def test_a_rebuild_from_the_ledger_keeps_what_redemptions_spent_and_hold() -> None:
    start = _aggregate((LATE, 100))
    committed, held = reserve_points(start, None, "c1", "spent", 30, at=T0)
    committed, spent = commit_redemption(held, committed, at=T0)
    holding, after = reserve_points(spent, None, "c1", "held", 20, at=T0)
    assert after is not None
    rebuilt = reconciled("c1", [], after, redemptions=[committed, holding], at=T0)
    # Nothing in the ledger: the spent and held points were taken from what is no longer there.
    assert (rebuilt.arrears, len(rebuilt.holds)) == (50, 1)
