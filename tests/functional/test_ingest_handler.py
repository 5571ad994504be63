"""The ingest Lambda handler against moto: stored items, batch response, requests per message."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pytest

from loyalty import TransactionStatus
from tests.support.aws import TABLE_NAME, RequestCounter
from tests.support.builders import LambdaContext, booking_body, sqs_event, sqs_record

if TYPE_CHECKING:
    from types import ModuleType

    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture
def ingest_module(dynamodb: DynamoDBClient) -> ModuleType:
    import lambda_entrypoints.ingest as module

    return importlib.reload(module)


@pytest.fixture
def handler_requests(ingest_module: ModuleType) -> RequestCounter:
    return RequestCounter(ingest_module.repository.client)


def invoke(module: ModuleType, *records: dict[str, Any]) -> Any:
    return module.handler(sqs_event(*records), LambdaContext())


def stored(dynamodb: DynamoDBClient, customer: str, booking: str) -> dict[str, Any]:
    key = {"pk": {"S": f"TXN#{customer}"}, "sk": {"S": f"BOOKING#{booking}"}}
    return dict(dynamodb.get_item(TableName=TABLE_NAME, Key=key).get("Item", {}))


def test_a_batch_of_new_bookings_costs_one_write_and_no_read_per_message(
    ingest_module: ModuleType, handler_requests: RequestCounter, dynamodb: DynamoDBClient
) -> None:
    records = [
        sqs_record(booking_body(booking_id=f"b-{n}"), envelope=n % 2 == 0) for n in range(10)
    ]
    assert invoke(ingest_module, *records) == {"batchItemFailures": []}
    assert handler_requests.calls == {"PutItem": 10}
    item = stored(dynamodb, "customer-1", "b-3")
    assert item["status"] == {"S": TransactionStatus.ACTIVE.value}
    assert item["points"] == {"N": "12345"}


def test_duplicates_cost_one_write_each_and_store_nothing_new(
    ingest_module: ModuleType, handler_requests: RequestCounter, dynamodb: DynamoDBClient
) -> None:
    record = sqs_record(booking_body())
    invoke(ingest_module, record)
    handler_requests.reset()
    assert invoke(ingest_module, record, record, record) == {"batchItemFailures": []}
    assert handler_requests.calls == {"PutItem": 3}
    scan = dynamodb.scan(TableName=TABLE_NAME)
    assert scan["Count"] == 1


def test_cancel_costs_one_update_and_revokes(
    ingest_module: ModuleType, handler_requests: RequestCounter, dynamodb: DynamoDBClient
) -> None:
    invoke(ingest_module, sqs_record(booking_body(), status="cancelled"))
    invoke(ingest_module, sqs_record(booking_body(), status="confirmed"))
    assert handler_requests.calls == {"UpdateItem": 1, "PutItem": 1}
    assert stored(dynamodb, "customer-1", "booking-1")["status"] == {"S": "REVOKED"}


def test_invalid_records_are_failed_by_message_id_while_valid_ones_land(
    ingest_module: ModuleType, dynamodb: DynamoDBClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = invoke(
        ingest_module,
        sqs_record(booking_body(booking_id="good-1")),
        sqs_record({"customerId": "c-1", "price": 10}, message_id="legacy"),
        sqs_record(booking_body(booking_id="good-2", amount=1.5), message_id="fractional"),
    )
    assert response == {
        "batchItemFailures": [{"itemIdentifier": "legacy"}, {"itemIdentifier": "fractional"}]
    }
    assert stored(dynamodb, "customer-1", "good-1")
    assert not stored(dynamodb, "customer-1", "good-2")


def test_missing_table_name_fails_at_cold_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import lambda_entrypoints.ingest as module

    monkeypatch.delenv("LOYALTY_TABLE_NAME")
    with pytest.raises(ValueError, match="LOYALTY_TABLE_NAME is not set"):
        importlib.reload(module)


def test_the_handler_subscribed_to_sns_directly_fails_loudly_instead_of_answering_bogus_ids(
    ingest_module: ModuleType, dynamodb: DynamoDBClient
) -> None:
    from loyalty.errors import NotAnSqsEvent

    sns_record = {
        "EventSource": "aws:sns",
        "Sns": {"Type": "Notification", "MessageId": "sns-1", "Message": "{}"},
    }
    with pytest.raises(NotAnSqsEvent, match=r"Records\[0\] has eventSource 'aws:sns'"):
        ingest_module.handler({"Records": [sns_record]}, LambdaContext())


def test_a_deeply_nested_body_fails_only_its_message_through_the_handler(
    ingest_module: ModuleType, dynamodb: DynamoDBClient
) -> None:
    deep = sqs_record(None, raw_body="[" * 1_000 + "]" * 1_000, message_id="deep")
    good = sqs_record(booking_body("c-1", "b-1"))
    assert invoke(ingest_module, deep, good) == {"batchItemFailures": [{"itemIdentifier": "deep"}]}
    assert stored(dynamodb, "c-1", "b-1")
