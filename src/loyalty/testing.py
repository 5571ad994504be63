"""For testing code that uses the library: the event shapes Lambda delivers, a Lambda context,
the ledger table as the template declares it, and a counter of the AWS requests a client makes.

The project's own tests, benchmarks and sandbox use these too, so they are the shapes the
handlers are proven against. Nothing here is imported by the Lambda entrypoints.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections import Counter
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from loyalty.inbound.sqs import STATUS_ATTRIBUTE
from loyalty.inbound.streams import lambda_stream_record
from loyalty.repository.items import transaction_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "InlineExecutor",
    "LambdaContext",
    "RequestCounter",
    "booking_body",
    "create_ledger_table",
    "sqs_event",
    "sqs_record",
    "stream_record",
    "transaction_image",
]

_REGION = "eu-west-1"
_ACCOUNT = "123456789012"
P = ParamSpec("P")
T = TypeVar("T")
_message_ids = itertools.count(1)
_sequence_numbers = itertools.count(100_000_000_000_000_000_000)


class InlineExecutor(Executor):
    """Runs each submitted call at once in the caller's thread.

    Pass it as ``executor`` where requests must go out one after another: in the order a
    botocore ``Stubber`` expects its answers, or for a sequential baseline.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # a future carries any exception
            future.set_exception(error)
        return future


@dataclass(slots=True)
class LambdaContext:
    """The Lambda context object the handlers (and Powertools) read; its clock starts at creation."""

    function_name: str = "loyalty-test"
    timeout_seconds: int = 30
    region: str = _REGION
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        """The function's ARN, as Lambda passes it."""
        return f"arn:aws:lambda:{self.region}:{_ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


def booking_body(
    customer_id: str = "customer-1",
    booking_id: str = "booking-1",
    amount: Any = 12_345,
    **extra: Any,
) -> dict[str, Any]:
    """A booking event body as the booking service publishes it (any ``amount``, even invalid)."""
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
    """An SQS record as Lambda delivers it, from SNS raw delivery or inside the SNS envelope.

    ``status`` becomes the ``Booking.Status`` attribute (None: no attribute); ``raw_body``
    replaces the JSON of ``body`` with any text.
    """
    attributes = dict(attributes or {})
    if status is not None:
        attributes[STATUS_ATTRIBUTE] = status
    text = raw_body if raw_body is not None else json.dumps(body)
    message_id = message_id or f"msg-{next(_message_ids)}"
    if envelope:
        text = json.dumps(
            {
                "Type": "Notification",
                "MessageId": f"sns-{message_id}",
                "TopicArn": f"arn:aws:sns:{_REGION}:{_ACCOUNT}:bookings",
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
        "eventSourceARN": f"arn:aws:sqs:{_REGION}:{_ACCOUNT}:loyalty-ingest",
        "awsRegion": _REGION,
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    """A Lambda SQS event of ``records``."""
    return {"Records": list(records)}


def transaction_image(
    customer_id: str = "customer-1",
    booking_id: str = "booking-1",
    points: int = 1_000,
    status: str = "ACTIVE",
    *,
    expires_at: int = 4_102_444_800,
) -> dict[str, Any]:
    """A stored transaction item as it appears in a stream image.

    ``expires_at`` (epoch seconds) names its lot; by default 2100-01-01, so it counts in any test.
    """
    return {
        **transaction_key(customer_id, booking_id),
        "transaction_id": {"S": "2ItvKRdnhMhJAUX6AiJ3c1Kuk4X"},
        "customer_id": {"S": customer_id},
        "booking_id": {"S": booking_id},
        "points": {"N": str(points)},
        "status": {"S": status},
        "created_at": {"S": "2026-11-24T12:00:00.000Z"},
        "expires_at": {"N": str(expires_at)},
        "fake": {"BOOL": False},
    }


def stream_record(
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    *,
    sequence_number: int | None = None,
    ttl: bool = False,
) -> dict[str, Any]:
    """A DynamoDB Streams record as Lambda delivers it (NEW_AND_OLD_IMAGES), numbered in order."""
    number = sequence_number if sequence_number is not None else next(_sequence_numbers)
    source = {
        "awsRegion": _REGION,
        "eventSourceARN": f"arn:aws:dynamodb:{_REGION}:{_ACCOUNT}:table/loyalty/stream/2026",
    }
    record = lambda_stream_record(old, new, str(number), ttl_removal=ttl, source=source)
    record["dynamodb"] |= {"ApproximateCreationDateTime": 1_795_000_000, "SizeBytes": 256}
    return record


def create_ledger_table(client: DynamoDBClient, name: str) -> str:
    """Create the single table as template.yaml declares it (keys, stream, TTL); return the
    stream ARN."""
    response = client.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    return response["TableDescription"]["LatestStreamArn"]


class RequestCounter:
    """Counts the AWS API calls a client makes, by operation, via botocore's event hooks."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def reset(self) -> None:
        """Forget the calls counted so far."""
        self.calls.clear()

    @property
    def total(self) -> int:
        """Calls of every operation."""
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        """Write requests: single-item writes and PartiQL batches (the library's are writes)."""
        return sum(
            self.calls[name]
            for name in ("PutItem", "UpdateItem", "DeleteItem", "BatchExecuteStatement")
        )
