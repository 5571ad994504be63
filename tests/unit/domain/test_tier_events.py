"""Exactly the aggregate writes that change the stored tier are TierChanged events."""

from __future__ import annotations

from dataclasses import replace

import pytest

from loyalty.domain.aggregates import CustomerAggregate
from loyalty.domain.events import TierChanged, tier_change
from loyalty.domain.tiers import Tier

WHEN = "2026-11-24T12:00:00.000Z"


def aggregate(points: int, tier: Tier, version: int) -> CustomerAggregate:
    return CustomerAggregate(
        "customer-1",
        points,
        tier,
        (),
        qualifying_points=points,
        applied_sequence="1",
        version=version,
    )


def test_a_climb_from_silver_to_gold_is_a_change_with_the_new_version_in_its_id() -> None:
    change = tier_change(
        aggregate(60_000, Tier.SILVER, 3), aggregate(120_000, Tier.GOLD, 4), occurred_at=WHEN
    )
    assert change == TierChanged(
        event_id="customer-1/v4",
        customer_id="customer-1",
        from_tier=Tier.SILVER,
        to_tier=Tier.GOLD,
        qualifying_points=120_000,
        occurred_at=WHEN,
    )


def test_the_event_carries_the_stored_qualifying_points_not_the_spendable_ones() -> None:
    spent = replace(aggregate(120_000, Tier.GOLD, 4), points=20_000)
    change = tier_change(aggregate(60_000, Tier.SILVER, 3), spent, occurred_at=WHEN)
    assert change is not None
    assert (change.to_tier, change.qualifying_points) == (Tier.GOLD, 120_000)


def test_a_fall_from_gold_to_bronze_is_a_change_down() -> None:
    change = tier_change(
        aggregate(120_000, Tier.GOLD, 7), aggregate(10_000, Tier.BRONZE, 8), occurred_at=WHEN
    )
    assert change is not None
    assert (change.from_tier, change.to_tier) == (Tier.GOLD, Tier.BRONZE)


def test_a_write_within_the_same_tier_is_no_event() -> None:
    before, after = aggregate(55_000, Tier.SILVER, 1), aggregate(70_000, Tier.SILVER, 2)
    assert tier_change(before, after, occurred_at=WHEN) is None


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        (Tier.BRONZE, None),
        (Tier.SILVER, (Tier.BRONZE, Tier.SILVER)),
        (Tier.GOLD, (Tier.BRONZE, Tier.GOLD)),
    ],
)
def test_a_first_write_changes_the_tier_only_if_it_is_above_bronze(
    tier: Tier, expected: tuple[Tier, Tier] | None
) -> None:
    change = tier_change(None, aggregate(1, tier, 1), occurred_at=WHEN)
    assert (None if change is None else (change.from_tier, change.to_tier)) == expected


def test_the_same_write_always_gives_the_same_event_id() -> None:
    before, after = aggregate(1, Tier.BRONZE, 1), aggregate(60_000, Tier.SILVER, 2)
    first = tier_change(before, after, occurred_at=WHEN)
    again = tier_change(before, after, occurred_at=WHEN)
    assert first is not None
    assert again is not None
    assert first.event_id == again.event_id
