"""Every rejected message gets an error naming the field and the reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty import InvalidBookingMessage, parse_sqs_record
from tests.support.builders import booking_body, sqs_record


def rejection(record: dict[str, Any]) -> str:
    with pytest.raises(InvalidBookingMessage) as caught:
        parse_sqs_record(record)
    return str(caught.value)


def with_customer(customer_id: Any) -> dict[str, Any]:
    return sqs_record(booking_body(customer_id=customer_id))


def with_amount(amount: Any) -> dict[str, Any]:
    return sqs_record(booking_body(amount=amount))


@pytest.mark.parametrize(
    ("record", "field", "reason"),
    [
        pytest.param(
            sqs_record(None, raw_body="{not json"), "body", "not valid JSON", id="not-json"
        ),
        pytest.param(sqs_record([1, 2]), "body", "must be a JSON object", id="not-an-object"),
        pytest.param(
            sqs_record({"customerId": "c-1", "price": 100}),
            "booking",
            "legacy {customerId, price} shape",
            id="legacy-shape",
        ),
        pytest.param(
            sqs_record({"booking": {"id": "b"}, "payment": {"amount": 1}}),
            "customerId",
            "Field required",
            id="customer-missing",
        ),
        pytest.param(with_customer(""), "customerId", "must not be empty", id="customer-empty"),
        pytest.param(
            with_customer("c" * 129),
            "customerId",
            "at most 128 characters (got 129)",
            id="customer-too-long",
        ),
        pytest.param(
            with_customer("c-\x00-1"),
            "customerId",
            "non-printable character U+0000 at position 2",
            id="customer-non-printable",
        ),
        pytest.param(
            with_customer("c#1"), "customerId", "'#' at position 1", id="customer-key-separator"
        ),
        pytest.param(with_customer(42), "customerId", "must be a string", id="customer-number"),
        pytest.param(
            sqs_record({**booking_body(), "booking": {"reference": "x"}}),
            "booking.id",
            "Field required",
            id="booking-id-missing",
        ),
        pytest.param(
            sqs_record({**booking_body(), "booking": "b-1"}),
            "booking",
            "must be a JSON object",
            id="booking-not-object",
        ),
        pytest.param(
            sqs_record({**booking_body(), "payment": {"receipt": "r"}}),
            "payment.amount",
            "Field required",
            id="amount-missing",
        ),
        pytest.param(
            with_amount(-5), "payment.amount", "must not be negative (got -5)", id="negative"
        ),
        pytest.param(
            with_amount(12.5),
            "payment.amount",
            "integer of minor units (got 12.5)",
            id="fractional",
        ),
        pytest.param(with_amount(True), "payment.amount", "not a boolean", id="boolean"),
        pytest.param(with_amount("100"), "payment.amount", "(got str)", id="string"),
        pytest.param(
            with_amount(10**12), "payment.amount", "at most 100000000 minor units", id="absurd"
        ),
        pytest.param(
            sqs_record(None, raw_body=json.dumps(booking_body()).replace("12345", "NaN")),
            "body",
            "NaN is not valid JSON",
            id="nan",
        ),
        pytest.param(
            sqs_record(None, raw_body=json.dumps(booking_body()).replace("12345", "Infinity")),
            "body",
            "Infinity is not valid JSON",
            id="infinity",
        ),
        pytest.param(
            sqs_record(None, raw_body=json.dumps(booking_body()).replace("12345", "1e400")),
            "payment.amount",
            "must be a finite number (got inf)",
            id="overflow-to-inf",
        ),
        pytest.param(
            sqs_record(booking_body(), status="refunded"),
            "messageAttributes.Booking.Status",
            "unknown status 'refunded'",
            id="unknown-status-attribute",
        ),
        pytest.param(
            sqs_record(booking_body(status="paused"), status=None),
            "status",
            "unknown status 'paused'",
            id="unknown-status-body",
        ),
        pytest.param(
            sqs_record(None, raw_body="definitely not json", envelope=True),
            "Message",
            "not valid JSON",
            id="envelope-message-not-json",
        ),
        pytest.param(
            sqs_record(booking_body(), attributes={"Booking.Fake": "maybe"}),
            "messageAttributes.Booking.Fake",
            "'true' or 'false'",
            id="fake-marker",
        ),
        pytest.param(
            sqs_record(booking_body(), attributes={"Correlation.Id": "bad id"}),
            "messageAttributes.Correlation.Id",
            "' ' at position 3",
            id="correlation-id",
        ),
    ],
)
def test_invalid_message_is_rejected_with_the_field_and_reason(
    record: dict[str, Any], field: str, reason: str
) -> None:
    message = rejection(record)
    assert message.startswith(f"{field}: "), message
    assert reason in message


def test_every_invalid_field_is_reported_at_once() -> None:
    record = sqs_record({"customerId": "", "booking": {"id": "b"}, "payment": {"amount": -1}})
    with pytest.raises(InvalidBookingMessage) as caught:
        parse_sqs_record(record)
    assert [error.field for error in caught.value.errors] == ["customerId", "payment.amount"]


@pytest.mark.parametrize("envelope", [False, True], ids=["raw-delivery", "sns-envelope"])
def test_raw_and_enveloped_messages_parse_to_the_same_booking(envelope: bool) -> None:
    message = parse_sqs_record(
        sqs_record(
            booking_body(),
            status="cancelled",
            envelope=envelope,
            attributes={"Correlation.Id": "corr-1", "Booking.Fake": "true"},
        )
    )
    assert message.event.customer_id == "customer-1"
    assert message.event.booking.id == "booking-1"
    assert message.event.payment.amount == 12_345
    assert message.status == "cancelled"
    assert message.correlation_id == "corr-1"
    assert message.fake is True


def test_status_defaults_to_confirmed_and_may_come_from_the_body() -> None:
    assert parse_sqs_record(sqs_record(booking_body(), status=None)).status == "confirmed"
    body = booking_body(status="CANCELLED")
    assert parse_sqs_record(sqs_record(body, status=None)).status == "cancelled"


def test_correlation_id_defaults_to_the_booking_id() -> None:
    assert parse_sqs_record(sqs_record(booking_body())).correlation_id == "booking-1"


def test_trace_id_is_taken_from_the_sqs_trace_header() -> None:
    record = sqs_record(booking_body())
    record["attributes"]["AWSTraceHeader"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    assert parse_sqs_record(record).trace_id == "1-5759e988-bd862e3fe1be46a994272793"
