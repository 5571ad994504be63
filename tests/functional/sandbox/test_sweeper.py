"""The TTL sweeper on moto in-process."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from loyalty_sandbox.sweeper import ExpiredKeys, TtlSweeper
from tests.support.aws import TABLE_NAME

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _sweeper(dynamodb: DynamoDBClient) -> TtlSweeper:
    return TtlSweeper(
        dynamodb=dynamodb,
        table_name=TABLE_NAME,
        ttl_attribute="expires_at",
        key_names=["pk", "sk"],
        expired=ExpiredKeys(),
    )


def _put_expired(dynamodb: DynamoDBClient, count: int) -> None:
    past = str(int(time.time()) - 60)
    for index in range(count):
        dynamodb.put_item(
            TableName=TABLE_NAME,
            Item={"pk": {"S": f"TXN#c-{index}"}, "sk": {"S": "x"}, "expires_at": {"N": past}},
        )


def test_a_sweep_deletes_every_expired_item(dynamodb: DynamoDBClient) -> None:
    _put_expired(dynamodb, 3)

    assert _sweeper(dynamodb).sweep() == 3
    assert dynamodb.scan(TableName=TABLE_NAME)["Count"] == 0


def test_a_stopping_sweeper_leaves_the_rest_of_its_sweep_for_later(
    dynamodb: DynamoDBClient,
) -> None:
    _put_expired(dynamodb, 3)
    sweeper = _sweeper(dynamodb)

    sweeper.request_stop()

    assert sweeper.sweep() == 0
    assert dynamodb.scan(TableName=TABLE_NAME)["Count"] == 3
