from __future__ import annotations

import pytest

from loyalty import Tier, TierPolicy, remaining_points, tier_of


@pytest.mark.parametrize(
    ("points", "tier", "remaining"),
    [
        (0, Tier.BRONZE, 50_000),
        (49_999, Tier.BRONZE, 1),
        (50_000, Tier.SILVER, 50_000),
        (99_999, Tier.SILVER, 1),
        (100_000, Tier.GOLD, 0),
        (5_000_000, Tier.GOLD, 0),
    ],
)
def test_default_thresholds_place_boundaries_exactly(
    points: int, tier: Tier, remaining: int
) -> None:
    assert tier_of(points) is tier
    assert remaining_points(points) == remaining


def test_thresholds_are_configuration() -> None:
    policy = TierPolicy(silver=10, gold=20)
    assert policy.tier_of(9) is Tier.BRONZE
    assert policy.tier_of(10) is Tier.SILVER
    assert policy.tier_of(20) is Tier.GOLD
    assert policy.remaining_points(15) == 5


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="silver < gold"):
        TierPolicy(silver=100, gold=100)


def test_tier_is_serialised_upper_case() -> None:
    assert str(Tier.GOLD) == "GOLD"
