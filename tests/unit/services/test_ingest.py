"""Ingest against the in-memory repository: the ledger rules, duplicates and bad input."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings, strategies as st

from loyalty import (
    InMemoryLoyaltyRepository,
    TransactionStatus,
    WriteOutcome,
    ingest_sqs_event,
)
from tests.support.builders import booking_body, fixed_clock, sqs_event, sqs_record

if TYPE_CHECKING:
    import pytest

Ingest = Callable[..., Any]


def ingest(repository: InMemoryLoyaltyRepository, *records: dict[str, Any]) -> Any:
    return ingest_sqs_event(sqs_event(*records), repository, now=fixed_clock)


def test_a_confirmed_booking_becomes_one_active_transaction() -> None:
    repository = InMemoryLoyaltyRepository()
    result = ingest(repository, sqs_record(booking_body(amount=12_345)))
    assert result.response() == {"batchItemFailures": []}
    transaction = repository.get_transaction("customer-1", "booking-1")
    assert transaction is not None
    assert transaction.status is TransactionStatus.ACTIVE
    assert transaction.points == 12_345
    assert transaction.created_at == "2026-11-24T12:00:00.000Z"
    assert transaction.booking_reference == "ABC123"
    assert transaction.outbound_flight_id == "LH-1234"
    assert transaction.payment_receipt == "receipt-1"
    assert transaction.correlation_id == "booking-1"
    assert result.outcomes == {"created": 1}


def test_a_duplicate_confirm_is_a_counted_success_not_an_error() -> None:
    repository = InMemoryLoyaltyRepository()
    ingest(repository, sqs_record(booking_body()))
    result = ingest(repository, sqs_record(booking_body()), sqs_record(booking_body()))
    assert result.response() == {"batchItemFailures": []}
    assert result.outcomes == {"duplicate": 2}
    assert len(repository.list_transactions("customer-1")) == 1


def test_cancel_after_confirm_revokes_the_transaction() -> None:
    repository = InMemoryLoyaltyRepository()
    ingest(repository, sqs_record(booking_body()))
    result = ingest(repository, sqs_record(booking_body(), status="cancelled"))
    assert result.outcomes == {"revoked": 1}
    transaction = repository.get_transaction("customer-1", "booking-1")
    assert transaction is not None
    assert transaction.status is TransactionStatus.REVOKED
    assert transaction.revoked_at == "2026-11-24T12:00:00.000Z"


def test_cancel_before_confirm_leaves_a_revoked_record_a_late_confirm_cannot_reactivate() -> None:
    repository = InMemoryLoyaltyRepository()
    first = ingest(repository, sqs_record(booking_body(), status="cancelled"))
    late = ingest(repository, sqs_record(booking_body(), status="confirmed"))
    assert first.outcomes == {WriteOutcome.REVOKED_BEFORE_CONFIRM.value: 1}
    assert late.outcomes == {WriteOutcome.CONFIRM_AFTER_CANCEL.value: 1}
    transaction = repository.get_transaction("customer-1", "booking-1")
    assert transaction is not None
    assert transaction.status is TransactionStatus.REVOKED
    assert transaction.points == 12_345


def test_repeated_cancels_are_counted_and_change_nothing() -> None:
    repository = InMemoryLoyaltyRepository()
    ingest(repository, sqs_record(booking_body()), sqs_record(booking_body(), status="cancelled"))
    result = ingest(repository, sqs_record(booking_body(), status="cancelled"))
    assert result.outcomes == {"already_revoked": 1}


def test_each_message_costs_exactly_one_write() -> None:
    repository = InMemoryLoyaltyRepository()
    records = [sqs_record(booking_body(booking_id=f"b-{n}")) for n in range(10)]
    ingest(repository, *records, *records[:3])
    assert repository.write_count == 13


def test_fake_bookings_expire_after_the_short_fake_ttl() -> None:
    repository = InMemoryLoyaltyRepository()
    ingest(repository, sqs_record(booking_body(), attributes={"Booking.Fake": "true"}))
    transaction = repository.get_transaction("customer-1", "booking-1")
    assert transaction is not None
    assert transaction.fake is True
    assert transaction.expires_at == int(fixed_clock().timestamp()) + 86_400


def test_bad_records_are_reported_by_message_id_and_the_rest_of_the_batch_succeeds() -> None:
    repository = InMemoryLoyaltyRepository()
    good = [sqs_record(booking_body(booking_id=f"b-{n}")) for n in range(3)]
    bad = [
        sqs_record(None, raw_body="not json", message_id="bad-json"),
        sqs_record(booking_body(amount=-1), message_id="bad-amount"),
    ]
    result = ingest(repository, good[0], bad[0], good[1], bad[1], good[2])
    assert result.response() == {
        "batchItemFailures": [{"itemIdentifier": "bad-json"}, {"itemIdentifier": "bad-amount"}]
    }
    assert result.outcomes == {"created": 3, "rejected": 2}
    assert result.failures["bad-amount"] == (
        "rejected: payment.amount: must not be negative (got -1)"
    )
    assert len(repository.list_transactions("customer-1")) == 3


class FlakyRepository(InMemoryLoyaltyRepository):
    """Fails the write of one booking, as a throttled or timed-out request would."""

    def __init__(self, failing_booking: str) -> None:
        super().__init__()
        self.failing_booking = failing_booking

    def record_transaction(self, transaction: Any) -> WriteOutcome:
        if transaction.booking_id == self.failing_booking:
            raise ConnectionError("simulated network failure")
        return super().record_transaction(transaction)


def test_a_failed_write_is_reported_for_retry_without_failing_the_others() -> None:
    repository = FlakyRepository(failing_booking="b-1")
    records = [sqs_record(booking_body(booking_id=f"b-{n}"), message_id=f"m-{n}") for n in range(4)]
    result = ingest(repository, *records)
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert result.outcomes == {"created": 3, "error": 1}
    assert result.failures == {"m-1": "write failed: simulated network failure"}


def test_a_redelivery_after_a_partial_failure_completes_the_batch_exactly_once() -> None:
    repository = FlakyRepository(failing_booking="b-1")
    records = [sqs_record(booking_body(booking_id=f"b-{n}"), message_id=f"m-{n}") for n in range(4)]
    ingest(repository, *records)
    repository.failing_booking = ""
    result = ingest(repository, *records)
    assert result.outcomes == {"created": 1, "duplicate": 3}
    assert len(repository.list_transactions("customer-1")) == 4


# -- property: any delivery pattern ends in one transaction per booking, REVOKED iff cancelled --

bookings = st.lists(
    st.tuples(st.sampled_from(["c-1", "c-2", "c-3"]), st.sampled_from(["b-1", "b-2", "b-3"])),
    min_size=1,
    max_size=6,
    unique=True,
)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[tuple[str, str, str]], list[list[int]]]:
    """Events for some bookings, each delivered 1-3 times, shuffled and cut into batches."""
    events: list[tuple[str, str, str]] = []
    for customer, booking in draw(bookings):
        events.append((customer, booking, "confirmed"))
        if draw(st.booleans()):
            events.append((customer, booking, "cancelled"))
    copies = [index for index in range(len(events)) for _ in range(draw(st.integers(1, 3)))]
    order = draw(st.permutations(copies))
    cuts = sorted(draw(st.sets(st.integers(1, max(len(order) - 1, 1)), max_size=4)))
    batches, start = [], 0
    for cut in [*cuts, len(order)]:
        if cut > start:
            batches.append(list(order[start:cut]))
            start = cut
    return events, batches


@given(deliveries())
@settings(max_examples=300, deadline=None)
def test_any_delivery_order_and_duplication_ends_in_one_transaction_per_booking(
    case: tuple[list[tuple[str, str, str]], list[list[int]]],
) -> None:
    events, batches = case
    repository = InMemoryLoyaltyRepository()
    for batch in batches:
        records = [
            sqs_record(booking_body(customer, booking), status=status)
            for customer, booking, status in (events[index] for index in batch)
        ]
        assert ingest(repository, *records).response() == {"batchItemFailures": []}
    cancelled = {(c, b) for c, b, status in events if status == "cancelled"}
    booked = {(c, b) for c, b, _ in events}
    for customer in {c for c, _ in booked}:
        stored = repository.list_transactions(customer)
        assert sorted(t.booking_id for t in stored) == sorted(b for c, b in booked if c == customer)
        for transaction in stored:
            revoked = transaction.status is TransactionStatus.REVOKED
            assert revoked == ((customer, transaction.booking_id) in cancelled)


def test_each_records_log_lines_carry_its_correlation_and_trace_ids(
    caplog: pytest.LogCaptureFixture,
) -> None:
    record = sqs_record(booking_body(), attributes={"Correlation.Id": "corr-42"}, message_id="m-7")
    record["attributes"]["AWSTraceHeader"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    with caplog.at_level(logging.INFO, logger="loyalty"):
        ingest(InMemoryLoyaltyRepository(), record)
    (line,) = [r for r in caplog.records if r.name == "loyalty.services.ingest"]
    assert line.__dict__["correlation_id"] == "corr-42"
    assert line.__dict__["message_id"] == "m-7"
    assert line.__dict__["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"


def test_a_rejected_records_log_line_names_the_message_and_the_field(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="loyalty"):
        ingest(InMemoryLoyaltyRepository(), sqs_record(booking_body(amount=-3), message_id="m-9"))
    (line,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert line.__dict__["message_id"] == "m-9"
    assert "payment.amount: must not be negative (got -3)" in line.getMessage()
