"""The aggregate and get handlers against moto, fed with records read back from moto's stream."""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from loyalty import (
    AggregateConflict,
    CustomerAggregate,
    DynamoDBLoyaltyRepository,
    InMemoryLoyaltyRepository,
    Lot,
    Tier,
    ingest_sqs_event,
)
from tests.support.aws import TABLE_NAME, RequestCounter, StreamReader
from tests.support.builders import LambdaContext, api_event, booking_body, sqs_event, sqs_record

if TYPE_CHECKING:
    from types import ModuleType

    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture
def handlers(
    dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> tuple[ModuleType, ModuleType]:
    monkeypatch.setenv("LOYALTY_ADMIN_GROUP", "loyalty-admins")
    from lambda_entrypoints import aggregate, get_points

    importlib.reload(aggregate)
    importlib.reload(get_points)
    return aggregate, get_points


def ingest(repository: DynamoDBLoyaltyRepository, *records: dict[str, Any]) -> None:
    assert ingest_sqs_event(sqs_event(*records), repository).response() == {"batchItemFailures": []}


def read(get_points: ModuleType, customer: str, *, full: bool = False) -> dict[str, Any]:
    """The read API's body; unless ``full``, only v1's three fields."""
    response = get_points.handler(api_event(customer, sub=customer), LambdaContext())
    assert response["statusCode"] == 200
    body = dict(json.loads(response["body"]))
    return body if full else {k: body[k] for k in ("points", "level", "remainingPoints")}


def test_stream_records_become_aggregates_with_one_statement_per_customer_in_one_request(
    dynamodb: DynamoDBClient,
    repository: DynamoDBLoyaltyRepository,
    handlers: tuple[ModuleType, ModuleType],
) -> None:
    aggregate, get_points = handlers
    stream = StreamReader(dynamodb)
    ingest(
        repository,
        *[sqs_record(booking_body(f"c-{n % 4}", f"b-{n}", 15_000)) for n in range(10)],
    )
    event = stream.next_event()
    assert len(event["Records"]) == 10
    counter = RequestCounter(aggregate.repository.client)
    assert aggregate.handler(event, LambdaContext()) == {"batchItemFailures": []}
    # c-0..c-3: one conditional statement each, in one request.
    assert counter.calls == {"BatchGetItem": 1, "BatchExecuteStatement": 1}
    assert read(get_points, "c-0") == {
        "points": 45_000,
        "level": "BRONZE",
        "remainingPoints": 5_000,
    }
    assert read(get_points, "c-1") == {
        "points": 45_000,
        "level": "BRONZE",
        "remainingPoints": 5_000,
    }
    assert read(get_points, "c-3") == {
        "points": 30_000,
        "level": "BRONZE",
        "remainingPoints": 20_000,
    }
    body = read(get_points, "c-3", full=True)
    assert (body["qualifyingPoints"], body["heldPoints"], body["arrears"]) == (30_000, 0, 0)
    # Both bookings were created the same day: one lot, expiring at the end of a UTC day.
    [lot] = body["expiring"]
    assert lot["points"] == 30_000
    assert lot["expiresAt"].endswith("T00:00:00.000Z")


def test_the_aggregates_own_stream_records_are_skipped_and_redelivery_changes_nothing(
    dynamodb: DynamoDBClient,
    repository: DynamoDBLoyaltyRepository,
    handlers: tuple[ModuleType, ModuleType],
) -> None:
    aggregate, get_points = handlers
    stream = StreamReader(dynamodb)
    ingest(repository, sqs_record(booking_body("c-1", "b-1", 60_000)))
    first = stream.next_event()
    aggregate.handler(first, LambdaContext())
    ingest(repository, sqs_record(booking_body("c-1", "b-1"), status="cancelled"))
    second = stream.next_event()  # the aggregate's own INSERT, then the revoke
    assert [r["eventName"] for r in second["Records"]] == ["INSERT", "MODIFY"]
    aggregate.handler(second, LambdaContext())
    counter = RequestCounter(aggregate.repository.client)
    aggregate.handler({"Records": first["Records"] + second["Records"]}, LambdaContext())
    assert counter.writes == 0
    assert read(get_points, "c-1") == {"points": 0, "level": "BRONZE", "remainingPoints": 50_000}


def test_stored_tier_always_matches_stored_points(
    dynamodb: DynamoDBClient,
    repository: DynamoDBLoyaltyRepository,
    handlers: tuple[ModuleType, ModuleType],
) -> None:
    aggregate, _ = handlers
    stream = StreamReader(dynamodb)
    ingest(repository, *[sqs_record(booking_body("c-1", f"b-{n}", 30_000)) for n in range(4)])
    aggregate.handler(stream.next_event(), LambdaContext())
    item = dynamodb.get_item(TableName=TABLE_NAME, Key={"pk": {"S": "AGG#c-1"}, "sk": {"S": "AGG"}})
    assert item["Item"]["points"] == {"N": "120000"}
    assert item["Item"]["tier"] == {"S": "GOLD"}


def test_dynamodb_and_in_memory_repositories_agree_on_aggregate_conflicts(
    repository: DynamoDBLoyaltyRepository,
) -> None:
    first = CustomerAggregate("c-1", 10, Tier.BRONZE, (Lot(4_102_444_800, 10, 10),), version=1)
    second = replace(first, points=20, version=2)
    for store in (repository, InMemoryLoyaltyRepository()):
        store.save_aggregate(first, None)
        with pytest.raises(AggregateConflict) as conflict:
            store.save_aggregate(second, None)
        assert conflict.value.current == first
        store.save_aggregate(second, first)
        with pytest.raises(AggregateConflict):
            store.save_aggregate(replace(second, points=30), first)
        assert store.get_aggregate("c-1") == second
