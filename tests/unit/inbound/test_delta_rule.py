"""delta = value(NewImage) - value(OldImage), for every transition (docs/architecture.md)."""

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
    assert change.expired is False


def test_a_ttl_removal_is_a_negative_delta_marked_as_expiry() -> None:
    change = ledger_change_of(stream_record(ACTIVE, None, ttl=True))
    assert change is not None
    assert change.delta == -1_000
    assert change.expired is True


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
