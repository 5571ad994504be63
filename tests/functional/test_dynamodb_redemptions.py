"""Redemptions on the DynamoDB adapter: one strongly consistent read and one TransactWriteItems
of two items per call, conflicts mapped from the transaction's cancellation reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from loyalty import (
    CustomerAggregate,
    DynamoDBLoyaltyRepository,
    Lot,
    RedemptionStatus,
    Tier,
    cancel,
    commit,
    customer_summary,
    list_redemptions,
    reserve,
)
from loyalty.domain.redemptions import reserve_points
from loyalty.errors import RedemptionWriteConflict
from tests.support.aws import TABLE_NAME, RequestCounter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T0 = datetime(2026, 6, 1, tzinfo=UTC)
EXPIRY = int((T0 + timedelta(days=200)).timestamp())
START = CustomerAggregate("c-1", 0, Tier.BRONZE, (Lot(EXPIRY, 500, 500),), version=1)


def test_each_call_is_one_consistent_read_and_one_transaction_of_two_items(
    repository: DynamoDBLoyaltyRepository, dynamodb: DynamoDBClient, requests: RequestCounter
) -> None:
    repository.save_aggregate(START, None)
    requests.reset()
    held = reserve(repository, "c-1", "r-1", 200, now=lambda: T0)
    assert dict(requests.calls) == {"BatchGetItem": 1, "TransactWriteItems": 1}
    requests.reset()
    assert commit(repository, "c-1", "r-1", now=lambda: T0).status is RedemptionStatus.COMMITTED
    assert cancel(repository, "c-1", "r-1", now=lambda: T0).status is RedemptionStatus.CANCELLED
    assert dict(requests.calls) == {"BatchGetItem": 2, "TransactWriteItems": 2}
    item = dynamodb.get_item(
        TableName=TABLE_NAME, Key={"pk": {"S": "TXN#c-1"}, "sk": {"S": "REDEEM#r-1"}}
    )["Item"]
    assert item["status"] == {"S": "CANCELLED"}
    assert item["allocation"] == {"M": {str(EXPIRY): {"N": "200"}}}
    assert held.hold_expires_at == int(T0.timestamp()) + 900
    assert customer_summary(repository, "c-1", at=T0).points == 500
    assert [r.redemption_id for r in list_redemptions(repository, "c-1")] == ["r-1"]
    assert repository.list_transactions("c-1") == []


def test_holds_round_trip_through_the_aggregate_item(
    repository: DynamoDBLoyaltyRepository,
) -> None:
    repository.save_aggregate(START, None)
    reserve(repository, "c-1", "r-1", 200, now=lambda: T0)
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert [(h.redemption_id, h.points, h.allocation) for h in stored.holds] == [
        ("r-1", 200, ((EXPIRY, 200),))
    ]
    assert stored.summary(T0).held_points == 200


def test_a_stale_aggregate_version_cancels_the_transaction_and_writes_nothing(
    repository: DynamoDBLoyaltyRepository,
) -> None:
    repository.save_aggregate(START, None)
    redemption, written = reserve_points(START, None, "c-1", "r-1", 100, at=T0)
    assert written is not None
    stale = CustomerAggregate("c-1", 0, Tier.BRONZE, START.lots, version=0)
    with pytest.raises(RedemptionWriteConflict):
        repository.save_redemption(redemption, None, written, stale)
    assert repository.get_redemption("c-1", "r-1") is None


def _cancelled(*codes: str) -> dict[str, object]:
    # The documented shape of a TransactionCanceledException: one reason per item, in order.
    return {
        "Error": {
            "Code": "TransactionCanceledException",
            "Message": f"Transaction cancelled, please refer cancellation reasons for specific "
            f"reasons [{', '.join(codes)}]",
        },
        "CancellationReasons": [{"Code": code} for code in codes],
    }


@pytest.mark.parametrize(
    "codes",
    [
        ("ConditionalCheckFailed", "None"),
        ("None", "ConditionalCheckFailed"),
        ("TransactionConflict", "None"),
    ],
)
def test_cancellation_reasons_of_a_concurrent_write_are_a_conflict(codes: tuple[str, str]) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    repository = DynamoDBLoyaltyRepository(client, TABLE_NAME)
    redemption, written = reserve_points(START, None, "c-1", "r-1", 100, at=T0)
    assert written is not None
    with Stubber(client) as stubber:
        response = _cancelled(*codes)
        stubber.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            service_message=str(response["Error"]["Message"]),  # type: ignore[index]
            http_status_code=400,
            response_meta=None,
            modeled_fields={"CancellationReasons": response["CancellationReasons"]},
            expected_params={"TransactItems": ANY},
        )
        with pytest.raises(RedemptionWriteConflict):
            repository.save_redemption(redemption, None, written, START)


def test_other_cancellation_reasons_are_raised_as_they_are() -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    repository = DynamoDBLoyaltyRepository(client, TABLE_NAME)
    redemption, written = reserve_points(START, None, "c-1", "r-1", 100, at=T0)
    assert written is not None
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            service_message="Transaction cancelled [ValidationError, None]",
            http_status_code=400,
            modeled_fields={"CancellationReasons": [{"Code": "ValidationError"}, {"Code": "None"}]},
            expected_params={"TransactItems": ANY},
        )
        with pytest.raises(ClientError, match="TransactionCanceledException"):
            repository.save_redemption(redemption, None, written, START)
