"""Builders of the real event shapes the handlers receive (shared by every test level)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

_ids = itertools.count(1)

FIXED_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_NOW


def booking_body(
    customer_id: str = "customer-1",
    booking_id: str = "booking-1",
    amount: Any = 12_345,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "booking": {"id": booking_id, "reference": "ABC123", "outboundFlightId": "LH-1234"},
        "payment": {"receipt": "receipt-1", "amount": amount},
        **extra,
    }


def sqs_record(
    body: Any,
    *,
    status: str | None = "confirmed",
    envelope: bool = False,
    attributes: dict[str, str] | None = None,
    message_id: str | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """An SQS record as Lambda delivers it, from SNS raw delivery or with the SNS envelope."""
    attributes = dict(attributes or {})
    if status is not None:
        attributes["Booking.Status"] = status
    text = raw_body if raw_body is not None else json.dumps(body)
    message_id = message_id or f"msg-{next(_ids)}"
    if envelope:
        text = json.dumps(
            {
                "Type": "Notification",
                "MessageId": f"sns-{message_id}",
                "TopicArn": "arn:aws:sns:eu-west-1:123456789012:bookings",
                "Message": text,
                "MessageAttributes": {
                    name: {"Type": "String", "Value": value} for name, value in attributes.items()
                },
            }
        )
        sqs_attributes: dict[str, Any] = {}
    else:
        sqs_attributes = {
            name: {"stringValue": value, "dataType": "String"} for name, value in attributes.items()
        }
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": text,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": sqs_attributes,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:loyalty-ingest",
        "awsRegion": "eu-west-1",
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


class LambdaContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name = "loyalty-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test"
    aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
