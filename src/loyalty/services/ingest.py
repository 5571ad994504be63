"""Ingest: SQS batches of booking events in, one idempotent ledger write per message out."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from loyalty.concurrency import run_all, run_bounded
from loyalty.domain.clock import Clock, format_timestamp, utc_now
from loyalty.domain.earning import earned_points
from loyalty.domain.transactions import (
    LoyaltyPolicy,
    Transaction,
    TransactionStatus,
    new_transaction_id,
)
from loyalty.errors import IngestInterrupted, InvalidBookingMessage, NotAnSqsEvent
from loyalty.inbound.batch_response import PartialBatchResponse, partial_batch_response
from loyalty.inbound.booking import BookingStatus
from loyalty.inbound.sqs import BookingMessage, parse_booking_line, parse_sqs_record
from loyalty.services.progress import OnProgress, no_progress

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from concurrent.futures import Executor

    from loyalty.repository.base import LoyaltyRepository, WriteOutcome

__all__ = [
    "DEFAULT_POLICY",
    "IngestResult",
    "LinesResult",
    "RejectedLine",
    "apply_booking",
    "ingest_lines",
    "ingest_messages",
    "ingest_sqs_event",
    "refuse_if_older_than_its_points",
    "sqs_records",
    "transaction_for",
]

DEFAULT_POLICY = LoyaltyPolicy()

_logger = logging.getLogger("loyalty.services.ingest")


@dataclass(slots=True)
class IngestResult:
    """What a batch did: outcome counts, and each failed message's id with the reason."""

    outcomes: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    """Message id -> why it failed (``rejected: ...`` or ``write failed: ...``), in batch order."""

    def response(self) -> PartialBatchResponse:
        """The Lambda partial-batch response: ``{"batchItemFailures": [{"itemIdentifier"}]}``."""
        return partial_batch_response(self.failures)


def transaction_for(
    message: BookingMessage, policy: LoyaltyPolicy = DEFAULT_POLICY, now: Clock = utc_now
) -> Transaction:
    """Build the ledger transaction a booking message stands for (REVOKED for a cancel).

    Raises
    ------
    InvalidEarnRule
        If the policy's earn rule returns anything but an int >= 0 for the payment amount.
    """
    created = now()
    event = message.event
    points = earned_points(policy.earn_rule, event.payment.amount)
    cancelled = message.status is BookingStatus.CANCELLED
    return Transaction(
        transaction_id=new_transaction_id(created),
        customer_id=event.customer_id,
        booking_id=event.booking.id,
        points=points,
        status=TransactionStatus.REVOKED if cancelled else TransactionStatus.ACTIVE,
        created_at=format_timestamp(created),
        expires_at=policy.expiry.expires_at(created, fake=message.fake),
        fake=message.fake,
        booking_reference=event.booking.reference,
        outbound_flight_id=event.booking.outbound_flight_id,
        payment_receipt=event.payment.receipt,
        payment_amount=event.payment.amount,
        correlation_id=message.correlation_id,
        revoked_at=format_timestamp(created) if cancelled else None,
    )


def refuse_if_older_than_its_points(
    message: BookingMessage, received_at: datetime, policy: LoyaltyPolicy = DEFAULT_POLICY
) -> None:
    """Refuse a booking event sent longer ago than the points it earns live.

    Such an event's transaction may already have expired and been removed by the TTL, and then
    the conditional write that makes redelivery harmless finds nothing and credits it again. An
    event younger than the lifetime is safe: any transaction it created expires after now.

    Raises
    ------
    InvalidBookingMessage
        Naming the send time that proves the age (``attributes.SentTimestamp`` or ``Timestamp``).
    """
    if message.sent_at is None or message.sent_at_field is None:
        return
    lifetime = policy.expiry.fake if message.fake else policy.expiry.real
    if received_at - message.sent_at < lifetime:
        return
    raise InvalidBookingMessage.single(
        message.sent_at_field,
        f"sent {format_timestamp(message.sent_at)}, older than the points' lifetime "
        f"({_describe_lifetime(lifetime)}): its transaction may have expired already, so it is not "
        "credited again",
    )


def _describe_lifetime(lifetime: timedelta) -> str:
    if lifetime % timedelta(days=1):
        return f"{int(lifetime.total_seconds())} seconds"
    return f"{lifetime.days} day" + ("s" if lifetime.days != 1 else "")


def apply_booking(
    message: BookingMessage,
    repository: LoyaltyRepository,
    policy: LoyaltyPolicy = DEFAULT_POLICY,
    now: Clock = utc_now,
) -> WriteOutcome:
    """Apply one validated booking message to the ledger with exactly one write request.

    A confirm inserts an ACTIVE transaction unless the booking has one; a cancel revokes it,
    recording a REVOKED transaction if the confirm has not arrived yet.
    """
    transaction = transaction_for(message, policy, now)
    if message.status is BookingStatus.CANCELLED:
        return repository.revoke_transaction(transaction)
    return repository.record_transaction(transaction)


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """A line of a JSON-lines file that is not a valid booking event: its number and why."""

    line: int
    reason: str


@dataclass(slots=True)
class LinesResult:
    """What a JSON-lines import did: valid lines, write outcome counts, rejected lines."""

    valid: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    rejected: list[RejectedLine] = field(default_factory=list)


def ingest_messages(
    messages: Sequence[BookingMessage],
    repository: LoyaltyRepository,
    *,
    policy: LoyaltyPolicy = DEFAULT_POLICY,
    workers: int = 8,
    now: Clock = utc_now,
    on_progress: OnProgress = no_progress,
) -> Counter[str]:
    """Apply many validated booking messages, ``workers`` at a time; return the outcome counts.

    Raises
    ------
    IngestInterrupted
        At the first failing write (its error is the ``__cause__``), after cancelling the writes
        not yet started. Re-running is safe: every write is idempotent.
    """
    outcomes: Counter[str] = Counter()
    written = 0

    def write(message: BookingMessage) -> WriteOutcome:
        return apply_booking(message, repository, policy, now)

    try:
        for _, outcome in run_bounded(write, messages, workers=workers):
            outcomes[outcome.value] += 1
            written += 1
            on_progress("ingesting", written, len(messages))
    except Exception as error:
        raise IngestInterrupted(written, len(messages)) from error
    return outcomes


def ingest_lines(
    lines: Iterable[str],
    repository: LoyaltyRepository | None,
    *,
    policy: LoyaltyPolicy = DEFAULT_POLICY,
    workers: int = 8,
    now: Clock = utc_now,
    on_progress: OnProgress = no_progress,
) -> LinesResult:
    """Import booking events from JSON lines (blank lines skipped), idempotently.

    Every line is validated first (as ingest validates SQS messages, see
    :func:`~loyalty.inbound.sqs.parse_booking_line`); the valid ones are then written to
    ``repository`` with :func:`ingest_messages` (None: a dry run, validate only). Importing the
    same lines twice changes nothing the second time.

    Raises
    ------
    IngestInterrupted
        At the first failing write.
    """
    result = LinesResult()
    valid: list[BookingMessage] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            valid.append(parse_booking_line(line))
        except InvalidBookingMessage as error:
            result.rejected.append(RejectedLine(number, str(error)))
    result.valid = len(valid)
    if repository is not None and valid:
        result.outcomes = ingest_messages(
            valid, repository, policy=policy, workers=workers, now=now, on_progress=on_progress
        )
    return result


def _record_logger(
    record: Mapping[str, Any], message: BookingMessage | None
) -> logging.LoggerAdapter[logging.Logger]:
    context: dict[str, Any] = {"message_id": record.get("messageId")}
    if message is not None:
        context["correlation_id"] = message.correlation_id
        context["customer_id"] = message.event.customer_id
        context["booking_id"] = message.event.booking.id
        if message.trace_id:
            context["xray_trace_id"] = message.trace_id
    return logging.LoggerAdapter(_logger, context)


def _apply_logged(
    record: Mapping[str, Any],
    message: BookingMessage,
    repository: LoyaltyRepository,
    policy: LoyaltyPolicy,
    now: Clock,
) -> WriteOutcome:
    log = _record_logger(record, message)
    outcome = apply_booking(message, repository, policy, now)
    log.info("booking %s: %s", message.status.value, outcome.value, extra={"outcome": outcome})
    return outcome


def ingest_sqs_event(
    event: Mapping[str, Any],
    repository: LoyaltyRepository,
    *,
    policy: LoyaltyPolicy = DEFAULT_POLICY,
    now: Clock = utc_now,
    executor: Executor | None = None,
) -> IngestResult:
    """Ingest a Lambda SQS event of booking messages.

    Every record is parsed and validated first; the valid ones are written concurrently, one
    conditional write each. Invalid records and failed writes are reported by message id so
    SQS retries only them (and, past ``maxReceiveCount``, moves them to the dead-letter queue);
    the rest of the batch succeeds.

    Parameters
    ----------
    event
        The Lambda event: ``{"Records": [...]}`` from an SQS event source mapping.
    repository
        Where the ledger lives.
    policy
        Earn rule, expiry and tiers.
    now
        The clock (injectable for tests).
    executor
        Runs the writes; defaults to the process-wide pool of
        ``loyalty.concurrency.MAX_CONCURRENT_WRITES`` threads.

    Returns
    -------
    IngestResult
        Outcome counts; ``result.response()`` is the Lambda partial-batch response.

    Raises
    ------
    NotAnSqsEvent
        If the event is not a batch of SQS messages (e.g. the function was subscribed to SNS
        directly): no record is processed.
    """
    result = IngestResult()
    pending: list[tuple[Mapping[str, Any], BookingMessage]] = []
    received_at = now()
    for record in sqs_records(event):
        message_id = record["messageId"]
        try:
            message = parse_sqs_record(record)
            refuse_if_older_than_its_points(message, received_at, policy)
            pending.append((record, message))
        except InvalidBookingMessage as error:
            _record_logger(record, None).error("rejected booking message: %s", error)
            result.outcomes["rejected"] += 1
            result.failures[message_id] = f"rejected: {error}"
        except Exception as error:
            # A parser bug must cost one message, not the batch: reported, so SQS retries it and
            # then dead-letters it with this reason.
            _record_logger(record, None).error(
                "unreadable booking message: %r", error, exc_info=error
            )
            result.outcomes["rejected"] += 1
            result.failures[message_id] = f"rejected: body: unreadable ({type(error).__name__})"

    def write(item: tuple[Mapping[str, Any], BookingMessage]) -> WriteOutcome:
        return _apply_logged(item[0], item[1], repository, policy, now)

    for (record, message), outcome in zip(pending, run_all(write, pending, executor), strict=True):
        if isinstance(outcome, Exception):
            _record_logger(record, message).error(
                "booking write failed, SQS will retry: %s", outcome, exc_info=outcome
            )
            result.outcomes["error"] += 1
            result.failures[record["messageId"]] = f"write failed: {outcome}"
        else:
            result.outcomes[outcome.value] += 1
    return result


def sqs_records(event: object) -> list[Mapping[str, Any]]:
    """The records of a Lambda SQS event, each checked to be an SQS message with an id.

    Raises
    ------
    NotAnSqsEvent
        Naming what the event holds instead (an SNS notification, a record without
        ``messageId``, no ``Records`` at all...).
    """
    if not isinstance(event, Mapping):
        raise NotAnSqsEvent(f"not an SQS event: the event is a {type(event).__name__}")
    records = event.get("Records")
    if not isinstance(records, list):
        raise NotAnSqsEvent("not an SQS event: 'Records' is missing or not a list")
    for index, record in enumerate(records):
        where = f"not an SQS event: Records[{index}]"
        if record is None:
            raise NotAnSqsEvent(f"{where} is null")
        if not isinstance(record, Mapping):
            raise NotAnSqsEvent(f"{where} is a {type(record).__name__}, not an object")
        source = record.get("eventSource", record.get("EventSource"))
        if source != "aws:sqs":
            hint = " (subscribe the queue to the topic, not the function)" if source else ""
            raise NotAnSqsEvent(f"{where} has eventSource {source!r}, not 'aws:sqs'{hint}")
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            raise NotAnSqsEvent(f"{where} has no messageId (got {type(message_id).__name__})")
    return records
