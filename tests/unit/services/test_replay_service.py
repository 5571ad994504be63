"""The replay service on moto's SQS (in-process): only what was re-queued or ingested is deleted."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from loyalty import InMemoryLoyaltyRepository
from loyalty.errors import AmbiguousSourceQueue
from loyalty.services.replay import ReplayPlan, replay_dlq
from tests.support.aws import REGION
from tests.support.builders import booking_body

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_sqs import SQSClient

POISON = {"customerId": "customer-1", "price": 10}


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[SQSClient]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queues(sqs: SQSClient) -> tuple[str, str]:
    dlq = sqs.create_queue(QueueName="ingest-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})
    source = sqs.create_queue(QueueName="ingest", Attributes={"RedrivePolicy": redrive})
    return source["QueueUrl"], dlq


def dead_letter(sqs: SQSClient, dlq: str, body: Any) -> str:
    return sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(body))["MessageId"]


def ids_in(sqs: SQSClient, queue: str) -> list[str]:
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [message["MessageId"] for message in messages]


def bodies_in(sqs: SQSClient, queue: str) -> list[Any]:
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_requeue_deletes_only_the_messages_the_source_queue_accepted(
    sqs: SQSClient, queues: tuple[str, str]
) -> None:
    source, dlq = queues
    refused = dead_letter(sqs, dlq, booking_body(booking_id="refused"))
    dead_letter(sqs, dlq, booking_body(booking_id="accepted"))

    unhooked = boto3.client("sqs", region_name=REGION)

    def refuse_one(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        # A partial failure moto does not produce: send the accepted entries for real and
        # answer as SQS would, with the refused entry under "Failed".
        entries = json.loads(params["body"])["Entries"]
        accepted = [e for e in entries if "refused" not in e["MessageBody"]]
        sent = unhooked.send_message_batch(QueueUrl=source, Entries=accepted)
        failed = [
            {"Id": e["Id"], "SenderFault": True, "Code": "InvalidMessageContents", "Message": "no"}
            for e in entries
            if e not in accepted
        ]
        return SimpleNamespace(status_code=200), {
            "Successful": sent["Successful"],
            "Failed": failed,
        }

    sqs.meta.events.register("before-call.sqs.SendMessageBatch", refuse_one)
    report = replay_dlq(sqs, dlq, wait_seconds=0)
    assert (report.received, report.replayed) == (2, 1)
    assert [failure.message_id for failure in report.failures] == [refused]
    assert report.failures[0].reason == "re-queue failed: InvalidMessageContents: no"
    assert ids_in(sqs, dlq) == [refused]
    assert [body["booking"]["id"] for body in bodies_in(sqs, source)] == ["accepted"]


def test_direct_replay_ingests_good_messages_and_leaves_poison_visible(
    sqs: SQSClient, queues: tuple[str, str]
) -> None:
    _, dlq = queues
    repository = InMemoryLoyaltyRepository()
    for n in range(3):
        dead_letter(sqs, dlq, booking_body(booking_id=f"b-{n}", amount=100))
    poison = dead_letter(sqs, dlq, POISON)
    report = replay_dlq(sqs, dlq, repository=repository, wait_seconds=0)
    assert (report.replayed, dict(report.outcomes)) == (3, {"created": 3})
    assert report.plan.target is None
    assert [failure.message_id for failure in report.failures] == [poison]
    assert ids_in(sqs, dlq) == [poison]
    assert len(repository.list_transactions("customer-1")) == 3


def test_a_dry_run_judges_each_message_and_moves_nothing(
    sqs: SQSClient, queues: tuple[str, str]
) -> None:
    _, dlq = queues
    good = dead_letter(sqs, dlq, booking_body())
    bad = dead_letter(sqs, dlq, POISON)
    repository = InMemoryLoyaltyRepository()

    def refuse(_: ReplayPlan) -> None:
        raise AssertionError("a dry run must not ask")

    report = replay_dlq(
        sqs, dlq, repository=repository, dry_run=True, approve=refuse, wait_seconds=0
    )
    verdicts = {verdict.message_id: verdict.reason for verdict in report.preview}
    assert verdicts[good] == "would ingest"
    assert verdicts[bad].startswith("would be rejected again: booking: missing")
    assert sorted(ids_in(sqs, dlq)) == sorted([good, bad])
    assert repository.write_count == 0


def test_the_approval_sees_the_plan_and_can_stop_the_replay(
    sqs: SQSClient, queues: tuple[str, str]
) -> None:
    source, dlq = queues
    dead_letter(sqs, dlq, booking_body())
    plans: list[ReplayPlan] = []

    def decline(plan: ReplayPlan) -> None:
        plans.append(plan)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay_dlq(sqs, "ingest-dlq", approve=decline, wait_seconds=0)
    assert plans == [ReplayPlan(dlq_url=dlq, target=source, waiting=1)]
    assert len(ids_in(sqs, dlq)) == 1


def test_a_dlq_without_one_source_queue_cannot_be_requeued_without_naming_the_queue(
    sqs: SQSClient,
) -> None:
    orphan = sqs.create_queue(QueueName="orphan-dlq")["QueueUrl"]
    with pytest.raises(AmbiguousSourceQueue, match="cannot tell which queue to re-queue into"):
        replay_dlq(sqs, orphan, wait_seconds=0)
