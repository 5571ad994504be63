"""The CLI's pure helpers: durations, time to expiry, TTL parsing, tier progress."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyalty import TierPolicy
from loyalty.domain.tiers import Tier
from loyalty.services.fake_traffic import fake_customer_id
from loyalty_cli.commands.fake import parse_ttl
from loyalty_cli.render import format_duration, time_left


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59, "59s"),
        (61, "1m 1s"),
        (3_600, "1h"),
        (90_061, "1d 1h"),
        (86_400 * 365, "365d"),
    ],
)
def test_durations_show_their_two_largest_units(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


def test_time_left_counts_down_and_then_says_how_long_the_removal_is_due() -> None:
    assert time_left(1_000 + 7_200, 1_000) == "in 2h"
    assert time_left(1_000, 1_000 + 300) == "due 5m ago"


@pytest.mark.parametrize(
    ("text", "ttl"),
    [
        ("90s", timedelta(seconds=90)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        (" 30d ", timedelta(days=30)),
    ],
)
def test_ttls_are_a_whole_number_and_one_unit(text: str, ttl: timedelta) -> None:
    assert parse_ttl(text) == ttl


def test_fake_customer_ids_are_marked_and_numbered() -> None:
    assert fake_customer_id(7) == "fake-customer-0007"


@pytest.mark.parametrize(
    ("points", "progress"),
    [
        (0, (Tier.SILVER, 0, 500)),
        (499, (Tier.SILVER, 499, 500)),
        (500, (Tier.GOLD, 0, 500)),
        (999, (Tier.GOLD, 499, 500)),
        (1_000, (None, 1, 1)),
    ],
)
def test_tier_progress_measures_from_the_current_tier_to_the_next(
    points: int, progress: tuple[Tier | None, int, int]
) -> None:
    assert TierPolicy(silver=500, gold=1_000).progress(points) == progress
