"""Replay: drain a dead-letter queue back into processing, losing nothing.

A message is deleted from the dead-letter queue only after it was re-queued (``SendMessageBatch``
reported it sent) or ingested (:func:`ingest_sqs_event` did not report it failed). Messages that
fail again stay in the queue; at the end of the run they are made visible again at once, so the
next run sees them. Ingest is idempotent, so a message replayed twice (for example when its delete
failed) still counts once in the ledger.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loyalty.errors import AmbiguousSourceQueue, InvalidBookingMessage
from loyalty.inbound.sqs import lambda_sqs_record, parse_sqs_record
from loyalty.services.ingest import DEFAULT_POLICY, ingest_sqs_event
from loyalty.services.progress import OnProgress, no_progress

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        MessageAttributeValueOutputTypeDef,
        MessageAttributeValueTypeDef,
        MessageTypeDef,
        SendMessageBatchRequestEntryTypeDef,
    )

    from loyalty.domain.transactions import LoyaltyPolicy
    from loyalty.repository.base import LoyaltyRepository

__all__ = ["BATCH_SIZE", "MessageVerdict", "ReplayPlan", "ReplayReport", "replay_dlq"]

BATCH_SIZE = 10
"""The most SQS receives, sends or deletes in one request."""


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    """What a replay is about to do, for approval: from where, into what, about how many."""

    dlq_url: str
    target: str | None
    """The queue URL to re-queue into; None when ingesting directly."""
    waiting: int
    """About how many messages will be replayed (SQS's approximate count, capped)."""


@dataclass(frozen=True, slots=True)
class MessageVerdict:
    """One message of the dead-letter queue and why it is there or what happened to it."""

    message_id: str
    reason: str
    body: str = ""


@dataclass(slots=True)
class ReplayReport:
    """What a run did."""

    plan: ReplayPlan
    dry_run: bool
    received: int = 0
    replayed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[MessageVerdict] = field(default_factory=list)
    """Messages that failed again; they stay in the dead-letter queue."""
    not_deleted: list[MessageVerdict] = field(default_factory=list)
    """Messages replayed but not deleted (a later replay repeats them harmlessly)."""
    preview: list[MessageVerdict] = field(default_factory=list)
    """Dry run: each message with ``would re-queue``, ``would ingest`` or why it would fail."""


@dataclass(frozen=True, slots=True)
class _Direct:
    repository: LoyaltyRepository
    policy: LoyaltyPolicy


@dataclass(slots=True)
class _Run:
    """The SQS side of one run: where from, where to, and the messages to hand back."""

    sqs: SQSClient
    dlq_url: str
    queue_arn: str
    destination: str | _Direct
    """The queue URL to re-queue into, or the ledger to ingest into."""
    report: ReplayReport
    held: list[str] = field(default_factory=list)
    """Receipt handles of messages left in the queue, to make visible again at the end."""
    force: bool = False
    """Re-queue messages ingest would reject, too."""


def replay_dlq(
    sqs: SQSClient,
    dlq: str,
    *,
    queue: str | None = None,
    repository: LoyaltyRepository | None = None,
    policy: LoyaltyPolicy | None = None,
    max_messages: int = 0,
    dry_run: bool = False,
    visibility_timeout: int = 120,
    wait_seconds: int = 2,
    force: bool = False,
    approve: Callable[[ReplayPlan], None] = lambda _: None,
    on_progress: OnProgress = no_progress,
) -> ReplayReport:
    """Move dead-lettered booking messages back into processing, 10 at a time.

    Parameters
    ----------
    sqs
        The SQS client (its region is the region of the records handed to ingest).
    dlq
        The dead-letter queue, by URL or name.
    queue
        The queue to re-queue into (URL or name); default: the DLQ's only source queue.
    repository
        Ingest in-process into this ledger, as the Lambda would, instead of re-queueing.
    policy
        Earn rule, expiry and tiers of a direct ingest (default: the library's defaults).
    max_messages
        Stop after this many messages (0: until the DLQ is empty).
    dry_run
        Receive and judge each message, then make it visible again; send and delete nothing.
    visibility_timeout
        Seconds a message stays hidden while it is replayed.
    wait_seconds
        Long-poll wait before deciding the DLQ is empty.
    force
        Re-queue also the messages ingest would reject again. Without it they stay in the DLQ,
        reported: re-queued, they would only come back to it (and fire its alarm once more).
    approve
        Called with the plan before anything is moved (not on a dry run); raise to abort.
    on_progress
        Told about the ``replaying`` (or ``peeking``) stage.

    Raises
    ------
    AmbiguousSourceQueue
        Re-queueing without ``queue`` from a DLQ that has no single source queue.
    """
    destination = None if repository is None else _Direct(repository, policy or DEFAULT_POLICY)
    run = _start(sqs, dlq, queue, destination, dry_run=dry_run, max_messages=max_messages)
    run.force = force
    if not dry_run:
        approve(run.report.plan)
    try:
        _receive_all(run, max_messages, visibility_timeout, wait_seconds, on_progress)
    except BaseException:
        # Best effort: the original failure is what the caller needs to see.
        with contextlib.suppress(Exception):
            _release(run)
        raise
    _release(run)
    return run.report


def _start(
    sqs: SQSClient,
    dlq: str,
    queue: str | None,
    direct: _Direct | None,
    *,
    dry_run: bool,
    max_messages: int,
) -> _Run:
    dlq_url = _resolve_queue(sqs, dlq)
    attributes = sqs.get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["QueueArn", "ApproximateNumberOfMessages"]
    )["Attributes"]
    waiting = int(attributes.get("ApproximateNumberOfMessages", "0"))
    destination: str | _Direct
    if direct is not None:
        destination = direct
    else:
        destination = _resolve_queue(sqs, queue) if queue else _source_queue(sqs, dlq_url)
    target = destination if isinstance(destination, str) else None
    plan = ReplayPlan(dlq_url, target, min(waiting, max_messages) if max_messages else waiting)
    return _Run(
        sqs, dlq_url, attributes.get("QueueArn", ""), destination, ReplayReport(plan, dry_run)
    )


def _resolve_queue(sqs: SQSClient, queue: str) -> str:
    """A queue URL as given, or the URL of a queue given by name."""
    if queue.startswith(("https://", "http://")):
        return queue
    return sqs.get_queue_url(QueueName=queue)["QueueUrl"]


def _source_queue(sqs: SQSClient, dlq_url: str) -> str:
    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
    if len(sources) != 1:
        raise AmbiguousSourceQueue(dlq_url, sources)
    return sources[0]


def _receive_all(
    run: _Run,
    max_messages: int,
    visibility_timeout: int,
    wait_seconds: int,
    on_progress: OnProgress,
) -> None:
    report = run.report
    stage = "peeking" if report.dry_run else "replaying"
    seen: set[str] = set()
    while not max_messages or report.received < max_messages:
        wanted = BATCH_SIZE if not max_messages else min(BATCH_SIZE, max_messages - report.received)
        batch = run.sqs.receive_message(
            QueueUrl=run.dlq_url,
            MaxNumberOfMessages=wanted,
            VisibilityTimeout=visibility_timeout,
            WaitTimeSeconds=wait_seconds,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        # A message received again in the same run failed earlier in it: leave it for next time.
        fresh = [message for message in batch if message["MessageId"] not in seen]
        run.held.extend(m["ReceiptHandle"] for m in batch if m["MessageId"] in seen)
        if not fresh:
            return
        seen.update(message["MessageId"] for message in fresh)
        report.received += len(fresh)
        try:
            _replay_batch(run, fresh)
        except BaseException:
            # Interrupted mid-batch: hand the whole batch back; whatever was already ingested or
            # re-queued is replayed again next time, harmlessly.
            run.held.extend(message["ReceiptHandle"] for message in fresh)
            raise
        on_progress(stage, report.received, max(report.plan.waiting, report.received))


def _replay_batch(run: _Run, messages: list[MessageTypeDef]) -> None:
    if run.report.dry_run:
        for message in messages:
            _preview(run, message)
    elif isinstance(run.destination, _Direct):
        _ingest(run, run.destination, messages)
    else:
        _requeue(run, run.destination, messages)


def _fail(run: _Run, message: MessageTypeDef, reason: str) -> None:
    run.report.failures.append(MessageVerdict(message["MessageId"], reason))
    run.held.append(message["ReceiptHandle"])


def _requeue(run: _Run, target: str, messages: list[MessageTypeDef]) -> None:
    if not run.force:
        acceptable = []
        for message in messages:
            rejection = _rejection(run, message)
            if rejection is None:
                acceptable.append(message)
            else:
                _fail(run, message, f"not re-queued, ingest would reject it: {rejection}")
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
    response = run.sqs.send_message_batch(QueueUrl=target, Entries=entries)
    failed = {entry["Id"]: entry for entry in response.get("Failed", [])}
    sent: list[MessageTypeDef] = []
    for n, message in enumerate(messages):
        if str(n) in failed:
            error = failed[str(n)]
            _fail(run, message, f"re-queue failed: {error['Code']}: {error.get('Message', '')}")
        else:
            sent.append(message)
    run.report.replayed += len(sent)
    run.report.outcomes["requeued"] += len(sent)
    _delete(run, sent)


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


def _record(run: _Run, message: MessageTypeDef) -> dict[str, object]:
    return lambda_sqs_record(
        message, queue_arn=run.queue_arn, region=run.sqs.meta.region_name or ""
    )


def _ingest(run: _Run, direct: _Direct, messages: list[MessageTypeDef]) -> None:
    records = [_record(run, message) for message in messages]
    result = ingest_sqs_event({"Records": records}, direct.repository, policy=direct.policy)
    ingested: list[MessageTypeDef] = []
    for message in messages:
        reason = result.failures.get(message["MessageId"])
        if reason is not None:
            _fail(run, message, reason)
        else:
            ingested.append(message)
    run.report.replayed += len(ingested)
    run.report.outcomes.update(
        {
            name: count
            for name, count in result.outcomes.items()
            if name not in {"rejected", "error"}
        }
    )
    _delete(run, ingested)


def _rejection(run: _Run, message: MessageTypeDef) -> str | None:
    """Why ingest would reject ``message`` again, or None if it would take it."""
    try:
        parse_sqs_record(_record(run, message))
    except InvalidBookingMessage as error:
        return str(error)
    return None


def _preview(run: _Run, message: MessageTypeDef) -> None:
    run.held.append(message["ReceiptHandle"])
    direct = isinstance(run.destination, _Direct)
    rejection = _rejection(run, message)
    if rejection is None:
        verdict = "would ingest" if direct else "would re-queue"
    elif run.force and not direct:
        verdict = f"would re-queue (--force), to be rejected again: {rejection}"
    else:
        verdict = f"would be rejected again: {rejection}"
    run.report.preview.append(MessageVerdict(message["MessageId"], verdict, message["Body"][:200]))


def _delete(run: _Run, messages: Sequence[MessageTypeDef]) -> None:
    if not messages:
        return
    response = run.sqs.delete_message_batch(
        QueueUrl=run.dlq_url,
        Entries=[
            {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
            for n, message in enumerate(messages)
        ],
    )
    for failed in response.get("Failed", []):
        message = messages[int(failed["Id"])]
        reason = failed.get("Message", failed["Code"])
        run.report.not_deleted.append(MessageVerdict(message["MessageId"], reason))


def _release(run: _Run) -> None:
    # Messages left in the DLQ become visible again now, not after the visibility timeout, so a
    # dry run leaves the queue as it found it and the next replay sees the failures at once.
    handles = list(dict.fromkeys(run.held))
    for start in range(0, len(handles), BATCH_SIZE):
        chunk = handles[start : start + BATCH_SIZE]
        run.sqs.change_message_visibility_batch(
            QueueUrl=run.dlq_url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for n, handle in enumerate(chunk)
            ],
        )
