from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from loyalty import (
    ExpiryPolicy,
    ExpiryRounding,
    PointsPerMinorUnit,
    Transaction,
    TransactionStatus,
)
from loyalty.domain.clock import format_timestamp, parse_timestamp
from loyalty.domain.transactions import new_transaction_id


def test_default_earn_rule_is_one_point_per_minor_unit() -> None:
    assert PointsPerMinorUnit()(12_345) == 12_345


def test_fractional_earn_rates_round_down_without_floats() -> None:
    assert PointsPerMinorUnit(1, 3)(10) == 3


def epoch(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp())


def test_real_transactions_expire_at_the_end_of_the_utc_day_365_days_later() -> None:
    policy = ExpiryPolicy()
    assert policy.expires_at(datetime(2026, 1, 1, 9, 30, tzinfo=UTC), fake=False) == epoch(
        2027, 1, 2
    )
    # A transaction created exactly at midnight already expires at the end of a day.
    assert policy.expires_at(datetime(2026, 1, 1, tzinfo=UTC), fake=False) == epoch(2027, 1, 1)
    # Any offset is read as UTC: 23:30 at UTC-2 is 01:30 UTC on the next day.
    late = datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert policy.expires_at(late, fake=False) == epoch(2027, 1, 3)


def test_transactions_of_the_same_day_share_one_lot_and_a_day_later_make_another() -> None:
    policy = ExpiryPolicy()
    morning = policy.expires_at(datetime(2026, 3, 1, 0, 0, 1, tzinfo=UTC), fake=False)
    evening = policy.expires_at(datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), fake=False)
    next_day = policy.expires_at(datetime(2026, 3, 2, 0, 0, 1, tzinfo=UTC), fake=False)
    assert morning == evening < next_day


@pytest.mark.parametrize(
    ("rounding", "created", "expires"),
    [
        (ExpiryRounding.NONE, datetime(2026, 5, 17, 9, 30, 0, 250_000, tzinfo=UTC), 0),
        (ExpiryRounding.DAY, datetime(2026, 5, 17, 9, 30, tzinfo=UTC), epoch(2027, 5, 18)),
        (ExpiryRounding.MONTH, datetime(2026, 5, 17, 9, 30, tzinfo=UTC), epoch(2027, 6, 1)),
        (ExpiryRounding.MONTH, datetime(2026, 12, 9, tzinfo=UTC), epoch(2028, 1, 1)),
        (ExpiryRounding.QUARTER, datetime(2026, 5, 17, tzinfo=UTC), epoch(2027, 7, 1)),
        (ExpiryRounding.QUARTER, datetime(2026, 11, 2, tzinfo=UTC), epoch(2028, 1, 1)),
        (ExpiryRounding.QUARTER, datetime(2026, 4, 1, tzinfo=UTC), epoch(2027, 4, 1)),
    ],
)
def test_each_rounding_moves_the_expiry_up_to_the_end_of_its_period(
    rounding: ExpiryRounding, created: datetime, expires: int
) -> None:
    policy = ExpiryPolicy(rounding=rounding)
    exact = created + timedelta(days=365)
    expected = expires or math.ceil(exact.timestamp())
    assert policy.expires_at(created, fake=False) == expected


def test_fake_transactions_expire_exactly_their_lifetime_after_creation_unrounded() -> None:
    created = datetime(2026, 1, 1, 9, 30, 15, tzinfo=UTC)
    policy = ExpiryPolicy(fake=timedelta(seconds=90), rounding=ExpiryRounding.QUARTER)
    assert policy.expires_at(created, fake=True) == epoch(2026, 1, 1, 9, 31, 45)


def test_a_transaction_last_changed_when_revoked_or_else_when_created() -> None:
    active = Transaction("t", "c", "b", 100, TransactionStatus.ACTIVE, "2026-01-01T00:00:00Z", 1)
    assert active.changed_at == "2026-01-01T00:00:00Z"
    revoked = active.revoked(datetime(2026, 1, 2, tzinfo=UTC))
    assert revoked.changed_at == "2026-01-02T00:00:00.000Z"


def test_timestamps_are_utc_iso8601_with_z() -> None:
    moment = datetime(2026, 11, 24, 12, 0, 1, 500_000, tzinfo=UTC)
    text = format_timestamp(moment)
    assert text == "2026-11-24T12:00:01.500Z"
    assert parse_timestamp(text) == moment
    assert parse_timestamp("2026-11-24T12:00:01.500+00:00") == moment


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2026, 1, 1))


def test_transaction_ids_are_ksuids_sortable_by_creation_time() -> None:
    early = new_transaction_id(datetime(2026, 1, 1, tzinfo=UTC))
    late = new_transaction_id(datetime(2026, 6, 1, tzinfo=UTC))
    assert len(early) == 27
    assert early < late


def test_only_active_transactions_count_towards_the_balance() -> None:
    active = Transaction("t", "c", "b", 100, TransactionStatus.ACTIVE, "2026-01-01T00:00:00Z", 1)
    assert active.value == 100
    assert active.revoked(datetime(2026, 1, 2, tzinfo=UTC)).value == 0


def test_negative_points_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Transaction("t", "c", "b", -1, TransactionStatus.ACTIVE, "2026-01-01T00:00:00Z", 1)
