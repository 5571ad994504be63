"""delta = value(NewImage) - value(OldImage), for every transition and per lot (architecture)."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty.errors import InvalidStreamRecord
from loyalty.inbound.streams import ledger_change_of
from tests.support.builders import stream_record, transaction_image

ACTIVE = transaction_image(points=1_000, status="ACTIVE")
REVOKED = transaction_image(points=1_000, status="REVOKED")
RAISED = transaction_image(points=1_500, status="ACTIVE")


@pytest.mark.parametrize(
    ("old", "new", "delta"),
    [
        pytest.param(None, ACTIVE, 1_000, id="insert-active"),
        pytest.param(None, REVOKED, 0, id="insert-revoked"),
        pytest.param(ACTIVE, REVOKED, -1_000, id="revoke"),
        pytest.param(REVOKED, ACTIVE, 1_000, id="reinstate"),
        pytest.param(ACTIVE, RAISED, 500, id="points-change"),
        pytest.param(ACTIVE, None, -1_000, id="manual-removal"),
        pytest.param(REVOKED, None, 0, id="removal-of-revoked"),
    ],
)
def test_delta_is_new_value_minus_old_value(
    old: dict[str, Any] | None, new: dict[str, Any] | None, delta: int
) -> None:
    change = ledger_change_of(stream_record(old, new))
    assert change is not None
    assert change.customer_id == "customer-1"
    assert change.delta == delta
    assert change.ttl_removal is False


def test_each_image_moves_points_in_or_out_of_the_lot_of_its_own_expiry() -> None:
    old = transaction_image(points=1_000, expires_at=1_900_000_000)
    new = transaction_image(points=1_500, expires_at=1_900_086_400)
    change = ledger_change_of(stream_record(old, new))
    assert change is not None
    assert change.lot_deltas() == {1_900_000_000: -1_000, 1_900_086_400: 1_500}
    revoke = ledger_change_of(stream_record(old, {**old, "status": {"S": "REVOKED"}}))
    assert revoke is not None
    assert revoke.lot_deltas() == {1_900_000_000: -1_000}


def test_a_change_carries_the_newest_change_time_of_its_images() -> None:
    revoked = {**ACTIVE, "status": {"S": "REVOKED"}, "revoked_at": {"S": "2026-11-25T08:00:00Z"}}
    change = ledger_change_of(stream_record(ACTIVE, revoked))
    assert change is not None
    assert change.changed_at == "2026-11-25T08:00:00Z"


def test_a_ttl_removal_is_a_negative_delta_marked_as_such() -> None:
    change = ledger_change_of(stream_record(ACTIVE, None, ttl=True))
    assert change is not None
    assert change.delta == -1_000
    assert change.ttl_removal is True
    assert change.removal is True


def test_an_active_image_without_expiry_is_an_invalid_record() -> None:
    broken = {k: v for k, v in ACTIVE.items() if k != "expires_at"}
    with pytest.raises(InvalidStreamRecord, match="no numeric 'expires_at'"):
        ledger_change_of(stream_record(None, broken))


def test_aggregate_records_are_not_ledger_changes() -> None:
    aggregate = {"pk": {"S": "AGG#customer-1"}, "sk": {"S": "AGG"}, "points": {"N": "5"}}
    assert ledger_change_of(stream_record(None, aggregate)) is None


def test_an_active_image_without_points_is_an_invalid_record() -> None:
    broken = {k: v for k, v in ACTIVE.items() if k != "points"}
    with pytest.raises(InvalidStreamRecord, match="no numeric 'points'"):
        ledger_change_of(stream_record(None, broken))


def test_a_record_without_sequence_number_is_invalid() -> None:
    record = stream_record(None, ACTIVE)
    del record["dynamodb"]["SequenceNumber"]
    with pytest.raises(InvalidStreamRecord, match="SequenceNumber"):
        ledger_change_of(record)
