"""Helpers for the end-to-end tests: publish to the topic, read through the get handler, reconcile."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from loyalty import DynamoDBLoyaltyRepository, booking_event, build_sns_message, tier_of
from loyalty.testing import LambdaContext

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from types import ModuleType

    from loyalty import SnsBookingMessage
    from loyalty_sandbox import Sandbox

PUBLISH_BATCH = 10  # SNS PublishBatch takes at most 10 entries


def unique(prefix: str) -> str:
    """An id no other test uses (the tests share one sandbox)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def booking(
    customer: str, booking_id: str, amount: int, status: str = "confirmed", *, fake: bool = False
) -> SnsBookingMessage:
    return build_sns_message(booking_event(customer, booking_id, amount), status, fake=fake)


def raw_message(body: Any, status: str = "confirmed") -> SnsBookingMessage:
    """A message with any body, valid or not (poison)."""
    return {
        "Message": body if isinstance(body, str) else json.dumps(body),
        "MessageAttributes": {"Booking.Status": {"DataType": "String", "StringValue": status}},
    }


def publish(
    sandbox: Sandbox, messages: Sequence[SnsBookingMessage], *, max_backlog: int | None = None
) -> None:
    """Publish to the booking topic in order, 10 per request.

    moto's SQS scans every message on each call, so a deep backlog slows the whole emulator
    down quadratically; ``max_backlog`` makes the publisher wait while the queue holds more.
    """
    sns = sandbox.client("sns")
    topic = sandbox.resources.topic_arn
    chunks = [messages[i : i + PUBLISH_BATCH] for i in range(0, len(messages), PUBLISH_BATCH)]
    for index, chunk in enumerate(chunks):
        if max_backlog is not None and index % 5 == 0:
            while sandbox.queue_depth(sandbox.resources.ingest_queue_url) > max_backlog:
                time.sleep(0.05)
        response = sns.publish_batch(
            TopicArn=topic,
            PublishBatchRequestEntries=[
                {"Id": str(position), **message} for position, message in enumerate(chunk)
            ],
        )
        assert not response.get("Failed"), response["Failed"]


def repository(sandbox: Sandbox) -> DynamoDBLoyaltyRepository:
    return DynamoDBLoyaltyRepository(sandbox.client("dynamodb"), sandbox.resources.table_name)


def get_points(get_function: ModuleType, customer: str, *, full: bool = False) -> dict[str, Any]:
    """``GET /loyalty/{customer}`` through the get handler, as the customer (API Gateway proxy).

    Unless ``full``, only v1's three fields (``points``, ``level``, ``remainingPoints``).
    """
    event = {
        "resource": "/loyalty/{customerId}",
        "path": f"/loyalty/{customer}",
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "pathParameters": {"customerId": customer},
        "queryStringParameters": None,
        "requestContext": {
            "resourcePath": "/loyalty/{customerId}",
            "httpMethod": "GET",
            "stage": "prod",
            "requestId": str(uuid.uuid4()),
            "authorizer": {"claims": {"sub": customer}},
        },
        "body": None,
        "isBase64Encoded": False,
    }
    response = get_function.handler(
        event, LambdaContext(function_name="GetPointsFunction", timeout_seconds=10)
    )
    assert response["statusCode"] == 200, response
    body: dict[str, Any] = json.loads(response["body"])
    return body if full else {name: body[name] for name in ("points", "level", "remainingPoints")}


@dataclass(frozen=True)
class Reconciliation:
    """The ledger as scanned, and the aggregates that disagree with it."""

    balances: dict[str, int]
    transactions_per_booking: Counter[tuple[str, str]]
    drift: dict[str, tuple[int | None, int]]


def reconcile(sandbox: Sandbox, customers: Iterable[str]) -> Reconciliation:
    """Compare every listed customer's aggregate with the balance computed from the ledger now.

    The ledger balance counts ACTIVE transactions whose lot has not expired, deleted or not.
    """
    repo = repository(sandbox)
    at = datetime.now(UTC)
    balances: dict[str, int] = defaultdict(int)
    per_booking: Counter[tuple[str, str]] = Counter()
    for segment in range(4):
        for transaction in repo.scan_ledger(segment, 4):
            if transaction.expires_at > at.timestamp():
                balances[transaction.customer_id] += transaction.value
            per_booking[(transaction.customer_id, transaction.booking_id)] += 1
    drift: dict[str, tuple[int | None, int]] = {}
    for customer in customers:
        aggregate = repo.get_aggregate(customer)
        points = aggregate.summary(at).points if aggregate else None
        expected = balances.get(customer, 0)
        if (points or 0) != expected or (
            aggregate is not None and aggregate.tier != tier_of(aggregate.qualifying_points)
        ):
            drift[customer] = (points, expected)
    return Reconciliation(dict(balances), per_booking, drift)


@dataclass(frozen=True)
class Scenario:
    """Messages to publish and the points each customer must end with."""

    messages: list[SnsBookingMessage]
    expected: dict[str, int]


def scenario(
    rng: Any, prefix: str, *, customers: int, bookings: int, duplicates: float, cancels: float
) -> Scenario:
    """Bookings with duplicates and cancellations (before and after the confirm), shuffled.

    The expected points follow from the domain rule alone: a booking counts iff it was confirmed
    and never cancelled, once, whatever the order and number of deliveries.
    """
    messages: list[SnsBookingMessage] = []
    expected: dict[str, int] = {}
    for c in range(customers):
        customer = f"{prefix}-c{c}"
        expected[customer] = 0
        for b in range(bookings):
            booking_id = f"b{b}"
            amount = rng.randint(100, 20_000)
            confirm = booking(customer, booking_id, amount)
            messages.append(confirm)
            if rng.random() < duplicates:
                messages.extend([confirm] * rng.randint(1, 2))
            if rng.random() < cancels:
                messages.append(booking(customer, booking_id, amount, "cancelled"))
            else:
                expected[customer] += amount
    rng.shuffle(messages)
    return Scenario(messages, expected)
