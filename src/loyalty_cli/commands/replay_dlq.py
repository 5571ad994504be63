"""``loyalty replay-dlq``: drain the dead-letter queue back into processing.

Nothing is lost: a message is deleted from the dead-letter queue only after it was re-queued
(``SendMessageBatch`` reported it sent) or ingested (``ingest_sqs_event`` did not report it
failed). Messages that fail again stay in the queue; at the end of the run they are made visible
again at once so the next run sees them. Ingest is idempotent, so a message replayed twice (for
example when its delete failed) still counts once in the ledger.
"""

from __future__ import annotations

import base64
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalty_cli.context import CliContext, cli_context
from loyalty_cli.errors import EXIT_USAGE, CliError, reports_errors
from loyalty_cli.replay_checks import ingest_rejection, name_queues_in_errors

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        MessageAttributeValueOutputTypeDef,
        MessageAttributeValueTypeDef,
        MessageTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

__all__ = ["lambda_record", "replay_dlq"]

BATCH_SIZE = 10
"""The most SQS receives, sends or deletes in one request."""


@dataclass
class Replay:
    """What a run did, for the report."""

    mode: str
    dlq_url: str
    target: str | None
    dry_run: bool
    received: int = 0
    replayed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, str]] = field(default_factory=list)
    not_deleted: list[dict[str, str]] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    """Receipt handles of messages left in the queue, to make visible again at the end."""

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "dryRun": self.dry_run,
            "dlqUrl": self.dlq_url,
            "target": self.target,
            "received": self.received,
            "replayed": self.replayed,
            "stillFailing": len(self.failures),
            "outcomes": dict(self.outcomes),
            "failures": self.failures,
            "replayedButNotDeleted": self.not_deleted,
            "messages": self.preview,
        }


def _resolve_queue(sqs: SQSClient, queue: str) -> str:
    """A queue URL as given, or the URL of a queue given by name."""
    if queue.startswith(("https://", "http://")):
        return queue
    return sqs.get_queue_url(QueueName=queue)["QueueUrl"]


def _source_queue(sqs: SQSClient, dlq_url: str) -> str:
    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
    if len(sources) != 1:
        found = ", ".join(sources) or "none"
        raise CliError(
            f"cannot tell which queue to re-queue into (source queues of the DLQ: {found}); "
            "pass --queue-url or set LOYALTY_QUEUE_URL",
            EXIT_USAGE,
        )
    return sources[0]


def _send_attributes(
    attributes: dict[str, MessageAttributeValueOutputTypeDef],
) -> dict[str, MessageAttributeValueTypeDef]:
    copied: dict[str, MessageAttributeValueTypeDef] = {}
    for name, value in attributes.items():
        attribute: MessageAttributeValueTypeDef = {"DataType": value["DataType"]}
        if "StringValue" in value:
            attribute["StringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            attribute["BinaryValue"] = value["BinaryValue"]
        copied[name] = attribute
    return copied


def lambda_record(message: MessageTypeDef, queue_arn: str, region: str) -> dict[str, Any]:
    """An SQS message as Lambda's SQS event source would deliver it."""
    attributes: dict[str, Any] = {}
    for name, value in message.get("MessageAttributes", {}).items():
        attribute: dict[str, Any] = {
            "dataType": value["DataType"],
            "stringListValues": [],
            "binaryListValues": [],
        }
        if "StringValue" in value:
            attribute["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
        attributes[name] = attribute
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _delete(
    sqs: SQSClient, dlq_url: str, messages: Sequence[MessageTypeDef], replay: Replay
) -> None:
    if not messages:
        return
    response = sqs.delete_message_batch(
        QueueUrl=dlq_url,
        Entries=[
            {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
            for n, message in enumerate(messages)
        ],
    )
    for failed in response.get("Failed", []):
        message = messages[int(failed["Id"])]
        replay.not_deleted.append(
            {"messageId": message["MessageId"], "reason": failed.get("Message", failed["Code"])}
        )


def _fail(replay: Replay, message: MessageTypeDef, reason: str) -> None:
    replay.failures.append({"messageId": message["MessageId"], "reason": reason})
    replay.held.append(message["ReceiptHandle"])


def _requeue(
    sqs: SQSClient,
    dlq_url: str,
    queue_arn: str,
    target: str,
    messages: list[MessageTypeDef],
    replay: Replay,
    *,
    force: bool,
) -> None:
    if not force:
        acceptable = []
        for message in messages:
            rejection = ingest_rejection(lambda_record(message, queue_arn, ""))
            if rejection is None:
                acceptable.append(message)
            else:
                _fail(replay, message, f"not re-queued, ingest would reject it: {rejection}")
        messages = acceptable
        if not messages:
            return
    entries: list[SendMessageBatchRequestEntryTypeDef] = []
    for n, message in enumerate(messages):
        entry: SendMessageBatchRequestEntryTypeDef = {
            "Id": str(n),
            "MessageBody": message["Body"],
            "MessageAttributes": _send_attributes(message.get("MessageAttributes", {})),
        }
        if target.endswith(".fifo"):
            entry["MessageGroupId"] = message.get("Attributes", {}).get("MessageGroupId", "replay")
            entry["MessageDeduplicationId"] = message["MessageId"]
        entries.append(entry)
    response = sqs.send_message_batch(QueueUrl=target, Entries=entries)
    failed = {entry["Id"]: entry for entry in response.get("Failed", [])}
    sent: list[MessageTypeDef] = []
    for n, message in enumerate(messages):
        if str(n) in failed:
            error = failed[str(n)]
            _fail(replay, message, f"re-queue failed: {error['Code']}: {error.get('Message', '')}")
        else:
            sent.append(message)
    replay.replayed += len(sent)
    replay.outcomes["requeued"] += len(sent)
    _delete(sqs, dlq_url, sent, replay)


def _ingest_direct(
    state: CliContext, dlq_url: str, queue_arn: str, messages: list[MessageTypeDef], replay: Replay
) -> None:
    from loyalty.services.ingest import ingest_sqs_event

    region = state.session().region_name or ""
    records = [lambda_record(message, queue_arn, region) for message in messages]
    result = ingest_sqs_event(
        {"Records": records}, state.repository(), policy=state.settings().policy
    )
    ingested: list[MessageTypeDef] = []
    for message in messages:
        reason = result.failures.get(message["MessageId"])
        if reason is not None:
            _fail(replay, message, reason)
        else:
            ingested.append(message)
    replay.replayed += len(ingested)
    replay.outcomes.update(
        {
            name: count
            for name, count in result.outcomes.items()
            if name not in {"rejected", "error"}
        }
    )
    _delete(sqs=state.sqs(), dlq_url=dlq_url, messages=ingested, replay=replay)


def _preview(
    message: MessageTypeDef, queue_arn: str, direct: bool, force: bool, replay: Replay
) -> None:
    replay.held.append(message["ReceiptHandle"])
    rejection = ingest_rejection(lambda_record(message, queue_arn, ""))
    if rejection is None:
        verdict = "would ingest" if direct else "would re-queue"
    elif force and not direct:
        verdict = f"would re-queue (--force), to be rejected again: {rejection}"
    else:
        verdict = f"would be rejected again: {rejection}"
    replay.preview.append(
        {"messageId": message["MessageId"], "verdict": verdict, "body": message["Body"][:200]}
    )


def _release(sqs: SQSClient, dlq_url: str, held: list[str]) -> None:
    # Messages left in the DLQ become visible again now, not after the visibility timeout, so a
    # dry run leaves the queue as it found it and the next replay sees the failures at once.
    handles = list(dict.fromkeys(held))
    for start in range(0, len(handles), BATCH_SIZE):
        chunk = handles[start : start + BATCH_SIZE]
        sqs.change_message_visibility_batch(
            QueueUrl=dlq_url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for n, handle in enumerate(chunk)
            ],
        )


@reports_errors
def replay_dlq(
    ctx: typer.Context,
    dlq_url: Annotated[
        str | None,
        typer.Option(help="Dead-letter queue (URL or name).", envvar="LOYALTY_DLQ_URL"),
    ] = None,
    queue_url: Annotated[
        str | None,
        typer.Option(
            help="Queue to re-queue into (URL or name); default: the DLQ's only source queue.",
            envvar="LOYALTY_QUEUE_URL",
        ),
    ] = None,
    direct: Annotated[
        bool,
        typer.Option(
            metavar="", help="Ingest in-process through the library instead of re-queueing."
        ),
    ] = False,
    max_messages: Annotated[
        int, typer.Option(min=0, help="Stop after this many messages (0: until the DLQ is empty).")
    ] = 0,
    dry_run: Annotated[
        bool,
        typer.Option(
            metavar="",
            help="List what would be replayed. Messages are received (hidden for a moment, "
            "receive count +1) and made visible again at once; nothing is sent or deleted.",
        ),
    ] = False,
    visibility_timeout: Annotated[
        int, typer.Option(min=1, max=43_200, help="Seconds a message stays hidden while replayed.")
    ] = 120,
    wait_seconds: Annotated[
        int, typer.Option(min=0, max=20, help="Long-poll wait before deciding the DLQ is empty.")
    ] = 2,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            metavar="",
            help="Re-queue also the messages ingest would reject again (they return to the DLQ).",
        ),
    ] = False,
) -> None:
    """Move dead-lettered booking messages back into processing, 10 at a time.

    Default: re-queue each message (body and attributes) to the source queue, except those ingest
    would reject again (unless --force). --direct: ingest in-process as the Lambda would. Only
    messages re-queued or ingested are deleted from the DLQ; the others stay and are listed with
    their reason (exit status 1).
    """
    state = cli_context(ctx)
    if not dlq_url:
        raise CliError("no dead-letter queue: pass --dlq-url or set LOYALTY_DLQ_URL", EXIT_USAGE)
    sqs = name_queues_in_errors(state.sqs())
    dlq = _resolve_queue(sqs, dlq_url)
    queue_attributes = sqs.get_queue_attributes(
        QueueUrl=dlq, AttributeNames=["QueueArn", "ApproximateNumberOfMessages"]
    )["Attributes"]
    queue_arn = queue_attributes.get("QueueArn", "")
    waiting = int(queue_attributes.get("ApproximateNumberOfMessages", "0"))
    if direct:
        target = f"table {state.table_name()}"
        state.repository()
    else:
        target = _resolve_queue(sqs, queue_url) if queue_url else _source_queue(sqs, dlq)
    replay = Replay(
        mode="direct" if direct else "requeue", dlq_url=dlq, target=target, dry_run=dry_run
    )
    total = min(waiting, max_messages) if max_messages else waiting
    if not dry_run:
        state.confirm(f"Replay about {total} message(s) from {dlq} into {target}?", yes=yes)
    seen: set[str] = set()
    try:
        with state.progress() as progress:
            task = progress.add_task("replaying" if not dry_run else "peeking", total=total)
            while not max_messages or replay.received < max_messages:
                wanted = (
                    BATCH_SIZE
                    if not max_messages
                    else min(BATCH_SIZE, max_messages - replay.received)
                )
                batch = sqs.receive_message(
                    QueueUrl=dlq,
                    MaxNumberOfMessages=wanted,
                    VisibilityTimeout=visibility_timeout,
                    WaitTimeSeconds=wait_seconds,
                    MessageAttributeNames=["All"],
                    MessageSystemAttributeNames=["All"],
                ).get("Messages", [])
                fresh = [message for message in batch if message["MessageId"] not in seen]
                replay.held.extend(
                    message["ReceiptHandle"] for message in batch if message["MessageId"] in seen
                )
                if not fresh:
                    break
                seen.update(message["MessageId"] for message in fresh)
                replay.received += len(fresh)
                try:
                    if dry_run:
                        for message in fresh:
                            _preview(message, queue_arn, direct, force, replay)
                    elif direct:
                        _ingest_direct(state, dlq, queue_arn, fresh, replay)
                    else:
                        _requeue(sqs, dlq, queue_arn, target, fresh, replay, force=force)
                except BaseException:
                    # Interrupted mid-batch: hand the whole batch back; whatever was already
                    # ingested or re-queued is replayed again next time, harmlessly.
                    replay.held.extend(message["ReceiptHandle"] for message in fresh)
                    raise
                progress.update(task, total=max(total, replay.received), advance=len(fresh))
    except BaseException:
        # Best effort: the original failure is what the operator needs to see.
        with contextlib.suppress(Exception):
            _release(sqs, dlq, replay.held)
        raise
    _release(sqs, dlq, replay.held)
    _report(state, replay)
    if replay.failures:
        raise CliError(f"{len(replay.failures)} message(s) still failing; they stay in the DLQ")


def _report(state: CliContext, replay: Replay) -> None:
    if state.json:
        state.emit_json(replay.as_json())
        return
    from rich.table import Table

    console = state.console()
    if replay.dry_run:
        table = Table(
            title=f"Dry run: {replay.received} message(s) in {replay.dlq_url}", title_justify="left"
        )
        for column in ("message id", "verdict", "body"):
            table.add_column(column, overflow="fold")
        for row in replay.preview:
            table.add_row(row["messageId"], row["verdict"], row["body"])
        console.print(table)
        return
    console.print(
        f"Replayed {replay.replayed} of {replay.received} message(s) from {replay.dlq_url} "
        f"into {replay.target}; {len(replay.failures)} still failing."
    )
    if replay.outcomes:
        console.print(
            "outcomes: "
            + ", ".join(f"{name} {count}" for name, count in sorted(replay.outcomes.items()))
        )
    if replay.failures:
        table = Table(title="Still failing (left in the DLQ)", title_justify="left")
        table.add_column("message id", overflow="fold")
        table.add_column("reason", overflow="fold")
        for failure in replay.failures:
            table.add_row(failure["messageId"], failure["reason"])
        console.print(table)
    for entry in replay.not_deleted:
        console.print(
            f"replayed but not deleted from the DLQ (a later replay repeats it harmlessly): "
            f"{entry['messageId']}: {entry['reason']}"
        )
