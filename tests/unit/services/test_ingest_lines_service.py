"""JSON-lines import: each line parsed like an SQS message, written once, failures named."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty import InMemoryLoyaltyRepository, InvalidBookingMessage, Transaction, WriteOutcome
from loyalty.errors import IngestInterrupted
from loyalty.inbound.booking import BookingStatus
from loyalty.inbound.sqs import parse_booking_line
from loyalty.services.ingest import ingest_lines, ingest_messages
from tests.support.builders import booking_body, fixed_clock


def line(body: Any) -> str:
    return json.dumps(body)


def test_a_line_is_a_booking_event_with_an_optional_status() -> None:
    message = parse_booking_line(line(booking_body(booking_id="b-1", status="cancelled")))
    assert (message.event.booking.id, message.status) == ("b-1", BookingStatus.CANCELLED)
    assert parse_booking_line(line(booking_body())).status is BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "line: is not valid JSON"),
        ('{"payment": {"amount": NaN}}', "line: is not valid JSON (NaN is not valid JSON"),
        ("[1, 2]", "body: must be a JSON object (got list)"),
        (line(booking_body(amount=-5)), "payment.amount: must not be negative (got -5)"),
        (line(booking_body(status="maybe")), "status: unknown status 'maybe'"),
    ],
)
def test_an_invalid_line_is_rejected_naming_the_field(text: str, reason: str) -> None:
    with pytest.raises(InvalidBookingMessage) as raised:
        parse_booking_line(text)
    assert str(raised.value).startswith(reason)


def test_lines_are_counted_by_outcome_and_rejected_lines_keep_their_number() -> None:
    repository = InMemoryLoyaltyRepository()
    lines = [
        line(booking_body(booking_id="b-1")),
        "",
        line(booking_body(booking_id="b-1")),
        line(booking_body(booking_id="b-2", status="cancelled")),
        "{not json",
    ]
    result = ingest_lines(lines, repository, now=fixed_clock)
    assert result.valid == 3
    assert result.outcomes == {"created": 1, "duplicate": 1, "revoked_before_confirm": 1}
    assert [(r.line, r.reason.split(" (")[0]) for r in result.rejected] == [
        (5, "line: is not valid JSON")
    ]
    assert len(repository.list_transactions("customer-1")) == 2


def test_without_a_repository_lines_are_only_validated() -> None:
    result = ingest_lines([line(booking_body()), "[]"], None)
    assert (result.valid, len(result.rejected), result.outcomes) == (1, 1, {})


class FailingRepository(InMemoryLoyaltyRepository):
    def record_transaction(self, transaction: Transaction) -> WriteOutcome:
        raise PermissionError("access denied")


def test_a_failing_write_stops_the_run_and_says_how_far_it_got() -> None:
    messages = [parse_booking_line(line(booking_body(booking_id=f"b-{n}"))) for n in range(3)]
    with pytest.raises(IngestInterrupted) as raised:
        ingest_messages(messages, FailingRepository(), workers=1)
    assert (raised.value.written, raised.value.total) == (0, 3)
    assert isinstance(raised.value.__cause__, PermissionError)
    assert str(raised.value) == "stopped after 0 of 3 writes"


def test_progress_counts_the_writes() -> None:
    messages = [parse_booking_line(line(booking_body(booking_id=f"b-{n}"))) for n in range(3)]
    seen: list[tuple[str, int, int | None]] = []
    ingest_messages(
        messages,
        InMemoryLoyaltyRepository(),
        on_progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert seen == [("ingesting", 1, 3), ("ingesting", 2, 3), ("ingesting", 3, 3)]
