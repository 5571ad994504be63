"""replay-dlq against moto's SQS: nothing is lost, successes are ingested exactly once."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tests.functional.cli.conftest import Response
from tests.support.aws import REGION
from tests.support.builders import booking_body

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

    from loyalty import DynamoDBLoyaltyRepository
    from tests.functional.cli.conftest import Cli


@pytest.fixture
def sqs() -> SQSClient:
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queues(sqs: SQSClient, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The ingest queue and its dead-letter queue, wired by a redrive policy as in the template."""
    dlq = sqs.create_queue(QueueName="loyalty-ingest-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    source = sqs.create_queue(
        QueueName="loyalty-ingest",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
        },
    )["QueueUrl"]
    monkeypatch.setenv("LOYALTY_DLQ_URL", dlq)
    return source, dlq


def dead_letter(sqs: SQSClient, dlq: str, body: Any, status: str = "confirmed") -> str:
    message = sqs.send_message(
        QueueUrl=dlq,
        MessageBody=body if isinstance(body, str) else json.dumps(body),
        MessageAttributes={"Booking.Status": {"DataType": "String", "StringValue": status}},
    )
    return message["MessageId"]


def drain(sqs: SQSClient, queue: str) -> list[dict[str, Any]]:
    """Receive (and delete) everything in ``queue``."""
    received: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        received.extend(dict(message) for message in batch)
        sqs.delete_message_batch(
            QueueUrl=queue,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)
            ],
        )
    return received


def depth(sqs: SQSClient, queue: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def visible(sqs: SQSClient, queue: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


POISON = {"customerId": "customer-1", "price": 10}


def test_requeue_moves_every_message_to_the_source_queue_with_body_and_attributes(
    cli: Cli, sqs: SQSClient, queues: tuple[str, str]
) -> None:
    source, dlq = queues
    bodies = [booking_body(booking_id=f"b-{n}") for n in range(23)]
    for body in bodies:
        dead_letter(sqs, dlq, body, status="cancelled")
    report = cli.json("replay-dlq", "--yes", "--wait-seconds", "0")
    assert (report["received"], report["replayed"], report["stillFailing"]) == (23, 23, 0)
    assert report["target"] == source
    assert depth(sqs, dlq) == 0
    moved = drain(sqs, source)
    assert sorted(json.loads(m["Body"])["booking"]["id"] for m in moved) == sorted(
        body["booking"]["id"] for body in bodies
    )
    assert {m["MessageAttributes"]["Booking.Status"]["StringValue"] for m in moved} == {"cancelled"}


def test_requeue_failures_stay_in_the_dlq_and_the_error_names_the_missing_queue(
    cli: Cli, sqs: SQSClient, queues: tuple[str, str], fail_calls: Callable[..., None]
) -> None:
    source, dlq = queues
    for n in range(3):
        dead_letter(sqs, dlq, booking_body(booking_id=f"b-{n}"))
    fail_calls("sqs", "SendMessageBatch", "AWS.SimpleQueueService.NonExistentQueue")
    result = cli("replay-dlq", "--yes", "--wait-seconds", "0")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: queue {source!r} not found (SendMessageBatch)")
    assert visible(sqs, dlq) == 3


def test_entries_the_source_queue_refuses_stay_in_the_dlq_with_their_reason(
    cli: Cli, sqs: SQSClient, queues: tuple[str, str], client_hooks: Callable[..., None]
) -> None:
    _, dlq = queues
    kept = dead_letter(sqs, dlq, booking_body(booking_id="refused"))
    dead_letter(sqs, dlq, booking_body(booking_id="accepted"))

    def refuse_one(params: dict[str, Any], **_: Any) -> tuple[Response, dict[str, Any]]:
        entries = json.loads(params["body"])["Entries"]
        refused = [e["Id"] for e in entries if "refused" in e["MessageBody"]]
        return Response(200), {
            "Successful": [
                {"Id": e["Id"], "MessageId": f"new-{e['Id']}", "MD5OfMessageBody": ""}
                for e in entries
                if e["Id"] not in refused
            ],
            "Failed": [
                {"Id": i, "SenderFault": True, "Code": "InvalidMessageContents", "Message": "no"}
                for i in refused
            ],
        }

    client_hooks("sqs", "before-call.sqs.SendMessageBatch", refuse_one)
    report = cli.json("replay-dlq", "--yes", "--wait-seconds", "0", exit_code=1)
    assert (report["replayed"], report["stillFailing"]) == (1, 1)
    assert report["failures"] == [
        {"messageId": kept, "reason": "re-queue failed: InvalidMessageContents: no"}
    ]
    remaining = drain(sqs, dlq)
    assert [m["MessageId"] for m in remaining] == [kept]


def test_direct_replay_ingests_good_messages_once_and_leaves_poison_in_the_dlq(
    cli: Cli, sqs: SQSClient, queues: tuple[str, str], repository: DynamoDBLoyaltyRepository
) -> None:
    _, dlq = queues
    for n in range(12):
        dead_letter(sqs, dlq, booking_body(booking_id=f"b-{n}", amount=100))
    legacy, garbled = dead_letter(sqs, dlq, POISON), dead_letter(sqs, dlq, "{not json")

    first = cli.json("replay-dlq", "--direct", "--yes", "--wait-seconds", "0", exit_code=1)
    assert (first["received"], first["replayed"], first["stillFailing"]) == (14, 12, 2)
    assert first["outcomes"] == {"created": 12}
    reasons = {failure["messageId"]: failure["reason"] for failure in first["failures"]}
    assert reasons.keys() == {legacy, garbled}
    assert reasons[legacy].startswith("rejected: booking: missing")
    assert reasons[garbled].startswith("rejected: body: is not valid JSON")
    assert visible(sqs, dlq) == 2

    second = cli.json("replay-dlq", "--direct", "--yes", "--wait-seconds", "0", exit_code=1)
    assert (second["received"], second["replayed"], second["stillFailing"]) == (2, 0, 2)
    assert visible(sqs, dlq) == 2
    ledger = repository.list_transactions("customer-1")
    assert len(ledger) == 12
    assert sum(t.value for t in ledger) == 1_200


def test_a_replay_interrupted_before_its_delete_ingests_exactly_once_when_run_again(
    cli: Cli,
    sqs: SQSClient,
    queues: tuple[str, str],
    repository: DynamoDBLoyaltyRepository,
    fail_calls: Callable[..., None],
) -> None:
    _, dlq = queues
    for n in range(5):
        dead_letter(sqs, dlq, booking_body(booking_id=f"b-{n}", amount=100))
    fail_calls("sqs", "DeleteMessageBatch", "ServiceUnavailable", 1)
    interrupted = cli("replay-dlq", "--direct", "--yes", "--wait-seconds", "0")
    assert interrupted.exit_code == 1
    assert interrupted.stderr.startswith("error: DeleteMessageBatch failed: ServiceUnavailable")
    assert visible(sqs, dlq) == 5

    rerun = cli.json("replay-dlq", "--direct", "--yes", "--wait-seconds", "0")
    assert (rerun["replayed"], rerun["outcomes"]) == (5, {"duplicate": 5})
    assert depth(sqs, dlq) == 0
    assert len(repository.list_transactions("customer-1")) == 5


def test_dry_run_lists_verdicts_and_leaves_every_message_visible(
    cli: Cli, sqs: SQSClient, queues: tuple[str, str], dynamodb: DynamoDBClient
) -> None:
    _, dlq = queues
    good = dead_letter(sqs, dlq, booking_body(booking_id="b-1"))
    bad = dead_letter(sqs, dlq, POISON)
    report = cli.json("replay-dlq", "--direct", "--dry-run", "--wait-seconds", "0")
    verdicts = {row["messageId"]: row["verdict"] for row in report["messages"]}
    assert verdicts[good] == "would ingest"
    assert verdicts[bad].startswith("would be rejected again: booking: missing")
    assert visible(sqs, dlq) == 2
    assert dynamodb.scan(TableName="loyalty-test")["Count"] == 0


def test_requeue_leaves_messages_ingest_would_reject_in_the_dlq_unless_forced(
    cli: Cli, sqs: SQSClient, queues: tuple[str, str]
) -> None:
    source, dlq = queues
    dead_letter(sqs, dlq, booking_body(booking_id="b-1"))
    bad = dead_letter(sqs, dlq, POISON)

    preview = cli.json("replay-dlq", "--dry-run", "--wait-seconds", "0")
    report = cli.json("replay-dlq", "--yes", "--wait-seconds", "0", exit_code=1)

    verdicts = {row["messageId"]: row["verdict"] for row in preview["messages"]}
    assert verdicts[bad].startswith("would be rejected again: booking: missing")
    assert (report["replayed"], report["stillFailing"]) == (1, 1)
    assert report["failures"][0]["messageId"] == bad
    assert report["failures"][0]["reason"].startswith(
        "not re-queued, ingest would reject it: booking: missing"
    )
    assert [json.loads(m["Body"]) for m in drain(sqs, source)] == [booking_body(booking_id="b-1")]

    forced = cli.json("replay-dlq", "--yes", "--force", "--wait-seconds", "0")

    assert (forced["replayed"], forced["stillFailing"]) == (1, 0)
    assert [json.loads(m["Body"]) for m in drain(sqs, source)] == [POISON]


def test_max_messages_stops_early(cli: Cli, sqs: SQSClient, queues: tuple[str, str]) -> None:
    source, dlq = queues
    for n in range(15):
        dead_letter(sqs, dlq, booking_body(booking_id=f"b-{n}"))
    report = cli.json("replay-dlq", "--yes", "--max-messages", "12", "--wait-seconds", "0")
    assert report["replayed"] == 12
    assert visible(sqs, dlq) == 3
    assert visible(sqs, source) == 12


def test_replay_asks_before_it_moves_anything(
    cli: Cli, sqs: SQSClient, queues: tuple[str, str]
) -> None:
    _, dlq = queues
    dead_letter(sqs, dlq, booking_body())
    result = cli("replay-dlq", "--wait-seconds", "0", input="n\n")
    assert result.exit_code == 1
    assert "Replay about 1 message(s)" in result.stderr
    assert visible(sqs, dlq) == 1


def test_the_dlq_may_be_named_instead_of_given_by_url(
    cli: Cli, sqs: SQSClient, queues: tuple[str, str]
) -> None:
    source, _ = queues
    report = cli.json(
        "replay-dlq",
        "--dlq-url",
        "loyalty-ingest-dlq",
        "--queue-url",
        "loyalty-ingest",
        "--yes",
        "--wait-seconds",
        "0",
    )
    assert (report["received"], report["target"]) == (0, source)


def test_a_missing_dlq_is_one_line(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOYALTY_DLQ_URL", raising=False)
    result = cli("replay-dlq")
    assert result.exit_code == 2
    assert result.stderr == "error: no dead-letter queue: pass --dlq-url or set LOYALTY_DLQ_URL\n"


def test_an_unknown_dlq_is_one_line_naming_it(cli: Cli) -> None:
    result = cli("replay-dlq", "--dlq-url", "no-such-queue")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: queue 'no-such-queue' not found (GetQueueUrl)")
    assert len(result.stderr.splitlines()) == 1


def test_a_dlq_without_a_single_source_queue_needs_the_queue_url(
    cli: Cli, sqs: SQSClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_DLQ_URL", sqs.create_queue(QueueName="orphan-dlq")["QueueUrl"])
    result = cli("replay-dlq", "--yes")
    assert result.exit_code == 2
    assert "pass --queue-url or set LOYALTY_QUEUE_URL" in result.stderr
