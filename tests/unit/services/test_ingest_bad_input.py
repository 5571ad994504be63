"""Input that once crashed a whole batch or was misread: each bad record fails alone, by its id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty import InMemoryLoyaltyRepository, TransactionStatus, ingest_sqs_event
from loyalty.errors import NotAnSqsEvent
from tests.support.builders import booking_body, fixed_clock, sqs_event, sqs_record


def ingest(repository: InMemoryLoyaltyRepository, *records: dict[str, Any]) -> Any:
    return ingest_sqs_event(sqs_event(*records), repository, now=fixed_clock)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def envelope_record(message: Any, attributes: Any, *, message_id: str) -> dict[str, Any]:
    record = sqs_record(None, status=None, message_id=message_id, raw_body="{}")
    record["body"] = json.dumps(
        {
            "Type": "Notification",
            "TopicArn": "arn:aws:sns:eu-west-1:123456789012:bookings",
            "Message": message,
            "MessageAttributes": attributes,
        }
    )
    return record


def assert_only_failed(result: Any, failed: dict[str, str]) -> None:
    """Exactly the given message ids failed, each for a reason naming the given field."""
    assert set(result.failures) == set(failed)
    for message_id, field in failed.items():
        assert field in result.failures[message_id], result.failures[message_id]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        pytest.param(sqs_record(None, raw_body=nested(1_000), message_id="bad"), "body", id="body"),
        pytest.param(envelope_record(nested(1_000), {}, message_id="bad"), "Message", id="message"),
        pytest.param(
            sqs_record(None, raw_body='{"customerId": ' + nested(990) + "}", message_id="bad"),
            "body",
            id="inside-a-field",
        ),
        pytest.param(
            sqs_record(None, raw_body='{"customerId": ' + nested(40) + "}", message_id="bad"),
            "body",
            id="moderately-deep-field",
        ),
    ],
)
def test_deeply_nested_json_fails_only_its_own_record(record: dict[str, Any], field: str) -> None:
    repository = InMemoryLoyaltyRepository()
    good = sqs_record(booking_body("c-good", "b-good"), message_id="good")
    result = ingest(repository, good, record)
    assert_only_failed(result, {"bad": field})
    assert repository.get_transaction("c-good", "b-good") is not None


@pytest.mark.parametrize(
    "attributes", [["Booking.Status"], "confirmed", True, 7], ids=["list", "string", "true", "int"]
)
def test_a_malformed_envelope_attribute_map_fails_only_its_own_record(attributes: Any) -> None:
    repository = InMemoryLoyaltyRepository()
    good = sqs_record(booking_body("c-good", "b-good"), message_id="good")
    bad = envelope_record(json.dumps(booking_body()), attributes, message_id="bad")
    result = ingest(repository, good, bad)
    assert_only_failed(result, {"bad": "MessageAttributes"})
    assert repository.get_transaction("c-good", "b-good") is not None


def test_a_malformed_sqs_attribute_map_fails_only_its_own_record() -> None:
    repository = InMemoryLoyaltyRepository()
    bad = sqs_record(booking_body(), message_id="bad")
    bad["messageAttributes"] = ["Booking.Status"]
    good = sqs_record(booking_body("c-good", "b-good"), message_id="good")
    assert_only_failed(ingest(repository, bad, good), {"bad": "messageAttributes"})


@pytest.mark.parametrize(
    "attribute",
    [
        pytest.param({"dataType": "Binary", "binaryValue": "Y2FuY2VsbGVk"}, id="binary"),
        pytest.param({"dataType": "String"}, id="no-string-value"),
        pytest.param({"dataType": "String", "stringValue": None}, id="null-string-value"),
        pytest.param("cancelled", id="not-an-object"),
    ],
)
def test_an_unreadable_status_attribute_is_an_error_never_a_confirm(attribute: Any) -> None:
    repository = InMemoryLoyaltyRepository()
    record = sqs_record(booking_body(), status=None, message_id="bad")
    record["messageAttributes"]["Booking.Status"] = attribute
    result = ingest(repository, record)
    assert_only_failed(result, {"bad": "messageAttributes.Booking.Status"})
    assert repository.get_transaction("customer-1", "booking-1") is None


def test_a_binary_status_in_the_envelope_is_an_error_naming_it() -> None:
    repository = InMemoryLoyaltyRepository()
    attributes = {"Booking.Status": {"Type": "Binary", "Value": "Y2FuY2VsbGVk"}}
    bad = envelope_record(json.dumps(booking_body()), attributes, message_id="bad")
    assert_only_failed(ingest(repository, bad), {"bad": "MessageAttributes.Booking.Status"})
    assert repository.get_transaction("customer-1", "booking-1") is None


def test_a_string_status_attribute_with_a_custom_type_still_reads_as_the_status() -> None:
    repository = InMemoryLoyaltyRepository()
    ingest(repository, sqs_record(booking_body()))
    record = sqs_record(booking_body(), status=None)
    record["messageAttributes"]["Booking.Status"] = {
        "dataType": "String.status",
        "stringValue": "Cancelled",
    }
    assert ingest(repository, record).outcomes == {"revoked": 1}
    transaction = repository.get_transaction("customer-1", "booking-1")
    assert transaction is not None
    assert transaction.status is TransactionStatus.REVOKED


def sns_event() -> dict[str, Any]:
    """What Lambda hands a function subscribed to SNS directly (not through the queue)."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:bookings:sub-1",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "sns-1",
                    "TopicArn": "arn:aws:sns:eu-west-1:123456789012:bookings",
                    "Message": json.dumps(booking_body()),
                    "MessageAttributes": {
                        "Booking.Status": {"Type": "String", "Value": "confirmed"}
                    },
                },
            }
        ]
    }


@pytest.mark.parametrize(
    ("event", "named"),
    [
        pytest.param(sns_event(), "'aws:sns'", id="sns-event"),
        pytest.param({"Records": [None]}, "Records[0] is null", id="null-record"),
        pytest.param({"Records": ["x"]}, "Records[0] is a str", id="string-record"),
        pytest.param(
            {"Records": [{**sqs_record(booking_body()), "eventSource": None}]},
            "eventSource",
            id="no-event-source",
        ),
        pytest.param(
            {"Records": [{**sqs_record(booking_body()), "messageId": ""}]},
            "messageId",
            id="no-message-id",
        ),
        pytest.param({"records": []}, "'Records'", id="no-records"),
        pytest.param([], "list", id="not-an-object"),
    ],
)
def test_an_event_that_is_not_from_an_sqs_queue_fails_loudly_naming_what_it_got(
    event: Any, named: str
) -> None:
    repository = InMemoryLoyaltyRepository()
    with pytest.raises(NotAnSqsEvent, match="not an SQS event") as caught:
        ingest_sqs_event(event, repository, now=fixed_clock)
    assert named in str(caught.value)
    assert repository.write_count == 0
