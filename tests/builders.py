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


def transaction_image(
    customer_id: str = "customer-1",
    booking_id: str = "booking-1",
    points: int = 1_000,
    status: str = "ACTIVE",
) -> dict[str, Any]:
    """A stored transaction item as it appears in a stream image."""
    return {
        "pk": {"S": f"TXN#{customer_id}"},
        "sk": {"S": f"BOOKING#{booking_id}"},
        "transaction_id": {"S": "2ItvKRdnhMhJAUX6AiJ3c1Kuk4X"},
        "customer_id": {"S": customer_id},
        "booking_id": {"S": booking_id},
        "points": {"N": str(points)},
        "status": {"S": status},
        "created_at": {"S": "2026-11-24T12:00:00.000Z"},
        "expires_at": {"N": "1795000000"},
        "fake": {"BOOL": False},
    }


_sequence = itertools.count(100_000_000_000_000_000_000)


def stream_record(
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    sequence_number: int | None = None,
    ttl: bool = False,
) -> dict[str, Any]:
    """A DynamoDB Streams record as Lambda delivers it (NEW_AND_OLD_IMAGES)."""
    image = new or old
    assert image is not None
    keys = {"pk": image["pk"], "sk": image["sk"]}
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    stream: dict[str, Any] = {
        "ApproximateCreationDateTime": 1_795_000_000,
        "Keys": keys,
        "SequenceNumber": str(sequence_number if sequence_number is not None else next(_sequence)),
        "SizeBytes": 256,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        stream["NewImage"] = new
    if old is not None:
        stream["OldImage"] = old
    record: dict[str, Any] = {
        "eventID": f"event-{stream['SequenceNumber']}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "dynamodb": stream,
        "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/loyalty/stream/2026",
    }
    if ttl:
        record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return record


def api_event(customer_id: str | None, *, sub: str | None, groups: Any = None) -> dict[str, Any]:
    """An API Gateway REST proxy event for GET /loyalty/{customerId} with Cognito claims."""
    claims: dict[str, Any] = {}
    if sub is not None:
        claims["sub"] = sub
    if groups is not None:
        claims["cognito:groups"] = groups
    return {
        "resource": "/loyalty/{customerId}",
        "path": f"/loyalty/{customer_id}",
        "httpMethod": "GET",
        "pathParameters": {"customerId": customer_id} if customer_id is not None else None,
        "requestContext": {"authorizer": {"claims": claims}} if claims else {},
    }


def http_api_event(
    customer_id: str | None, *, sub: str | None, groups: Any = None
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event with JWT-authorizer claims, as strings."""
    claims: dict[str, Any] = {}
    if sub is not None:
        claims["sub"] = sub
    if groups is not None:
        claims["cognito:groups"] = groups
    return {
        "version": "2.0",
        "routeKey": "GET /loyalty/{customerId}",
        "rawPath": f"/loyalty/{customer_id}",
        "pathParameters": {"customerId": customer_id} if customer_id is not None else None,
        "requestContext": {
            "http": {"method": "GET", "path": f"/loyalty/{customer_id}"},
            "authorizer": {"jwt": {"claims": claims, "scopes": None}} if claims else {},
        },
    }
