from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalty import ExpiryPolicy, PointsPerMinorUnit, Transaction, TransactionStatus
from loyalty.domain.clock import format_timestamp, parse_timestamp
from loyalty.domain.transactions import new_transaction_id


def test_default_earn_rule_is_one_point_per_minor_unit() -> None:
    assert PointsPerMinorUnit()(12_345) == 12_345


def test_fractional_earn_rates_round_down_without_floats() -> None:
    assert PointsPerMinorUnit(1, 3)(10) == 3


def test_real_transactions_expire_after_365_days_and_fake_after_one() -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    policy = ExpiryPolicy()
    assert policy.expires_at(created, fake=False) == int(
        (created + timedelta(days=365)).timestamp()
    )
    assert policy.expires_at(created, fake=True) == int((created + timedelta(days=1)).timestamp())


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
