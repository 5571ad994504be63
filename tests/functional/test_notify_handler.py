"""The notify handler on moto: aggregate writes read back from the stream, events through SNS."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from loyalty import DynamoDBLoyaltyRepository, ingest_sqs_event, parse_tier_changed
from loyalty.domain.tiers import Tier
from tests.support.aws import REGION, StreamReader
from tests.support.builders import LambdaContext, booking_body, sqs_event, sqs_record

if TYPE_CHECKING:
    from types import ModuleType

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

    from loyalty.domain.events import TierChanged


@pytest.fixture
def subscriber(monkeypatch: pytest.MonkeyPatch) -> tuple[SQSClient, str]:
    """The events topic with one queue subscribed to it (SNS envelope, as most subscribers)."""
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="loyalty-events")["TopicArn"]
    queue = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["QueueArn"])
    monkeypatch.setenv("LOYALTY_EVENTS_TOPIC_ARN", topic)
    return sqs, queue


@pytest.fixture
def handlers(subscriber: tuple[SQSClient, str]) -> tuple[ModuleType, ModuleType]:
    from lambda_entrypoints import aggregate, notify

    importlib.reload(aggregate)
    importlib.reload(notify)
    return aggregate, notify


def received(subscriber: tuple[SQSClient, str]) -> list[TierChanged]:
    sqs, queue = subscriber
    events: list[TierChanged] = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        events.extend(parse_tier_changed(message["Body"]) for message in messages)
        sqs.delete_message_batch(
            QueueUrl=queue,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
            ],
        )
    return events


def climb(
    dynamodb: DynamoDBClient,
    repository: DynamoDBLoyaltyRepository,
    aggregate: ModuleType,
    bookings: list[tuple[str, str, int]],
) -> dict[str, Any]:
    """Ingest and aggregate ``bookings`` one by one; return the aggregate writes' stream event."""
    stream = StreamReader(dynamodb)
    writes: list[dict[str, Any]] = []

    def ledger_records() -> dict[str, Any]:
        # The mappings' filters: ledger records to the aggregator, aggregate writes to the notifier.
        records = stream.next_event()["Records"]
        writes.extend(r for r in records if r["dynamodb"]["Keys"]["pk"]["S"].startswith("AGG#"))
        return {
            "Records": [r for r in records if r["dynamodb"]["Keys"]["pk"]["S"].startswith("TXN#")]
        }

    for customer, booking, amount in bookings:
        event = sqs_event(sqs_record(booking_body(customer, booking, amount)))
        assert ingest_sqs_event(event, repository).response() == {"batchItemFailures": []}
        assert aggregate.handler(ledger_records(), LambdaContext()) == {"batchItemFailures": []}
    ledger_records()
    return {"Records": writes}


def test_each_tier_change_reaches_subscribers_once_with_its_attributes(
    dynamodb: DynamoDBClient,
    repository: DynamoDBLoyaltyRepository,
    handlers: tuple[ModuleType, ModuleType],
    subscriber: tuple[SQSClient, str],
) -> None:
    aggregate, notify = handlers
    writes = climb(
        dynamodb,
        repository,
        aggregate,
        [("c-1", "b-1", 30_000), ("c-1", "b-2", 30_000), ("c-1", "b-3", 50_000)],
    )
    assert len(writes["Records"]) == 3
    assert notify.handler(writes, LambdaContext()) == {"batchItemFailures": []}
    events = received(subscriber)
    assert [(e.from_tier, e.to_tier, e.qualifying_points) for e in events] == [
        (Tier.BRONZE, Tier.SILVER, 60_000),
        (Tier.SILVER, Tier.GOLD, 110_000),
    ]
    assert len({e.event_id for e in events}) == 2


def test_redelivered_and_bisected_batches_never_give_a_change_a_second_id(
    dynamodb: DynamoDBClient,
    repository: DynamoDBLoyaltyRepository,
    handlers: tuple[ModuleType, ModuleType],
    subscriber: tuple[SQSClient, str],
) -> None:
    aggregate, notify = handlers
    writes = climb(
        dynamodb,
        repository,
        aggregate,
        [("c-1", "b-1", 60_000), ("c-2", "b-2", 120_000), ("c-1", "b-3", 60_000)],
    )
    records = writes["Records"]
    # As Lambda would: the whole batch, then its halves after a bisection, then a retry.
    for batch in (records, records[:1], records[1:], records):
        assert notify.handler({"Records": batch}, LambdaContext()) == {"batchItemFailures": []}
    events = received(subscriber)
    ids_of_change: dict[tuple[str, Tier, Tier], set[str]] = {}
    for event in events:
        key = (event.customer_id, event.from_tier, event.to_tier)
        ids_of_change.setdefault(key, set()).add(event.event_id)
    assert ids_of_change == {
        ("c-1", Tier.BRONZE, Tier.SILVER): {"c-1/v1"},
        ("c-2", Tier.BRONZE, Tier.GOLD): {"c-2/v1"},
        ("c-1", Tier.SILVER, Tier.GOLD): {"c-1/v2"},
    }


def test_the_notifier_cold_start_fails_naming_the_missing_topic_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LOYALTY_EVENTS_TOPIC_ARN", raising=False)
    from lambda_entrypoints import notify

    with pytest.raises(Exception, match="LOYALTY_EVENTS_TOPIC_ARN is not set"):
        importlib.reload(notify)
