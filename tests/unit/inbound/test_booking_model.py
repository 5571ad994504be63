"""The booking event model keeps the pydantic methods its users call, without pydantic."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from loyalty import Booking, BookingEvent, InvalidBookingMessage, Payment, booking_event
from loyalty.inbound.booking import MAX_AMOUNT, MAX_TEXT_LENGTH

EVENT = BookingEvent(
    customer_id="c-1",
    booking=Booking(id="b-1", reference="PNR-é", outbound_flight_id="LH-400"),
    payment=Payment(amount=12_345),
)


def reasons(error: pytest.ExceptionInfo[InvalidBookingMessage]) -> list[str]:
    return [str(wrong) for wrong in error.value.errors]


def test_construction_validates_and_names_the_attribute() -> None:
    with pytest.raises(InvalidBookingMessage) as caught:
        Payment(amount=-1, receipt="\n")
    assert reasons(caught) == [
        "amount: must not be negative (got -1)",
        "receipt: contains a non-printable character",
    ]
    with pytest.raises(InvalidBookingMessage) as caught:
        Booking(id="b#1", outbound_flight_id="x" * (MAX_TEXT_LENGTH + 1))
    assert [wrong.field for wrong in caught.value.errors] == ["id", "outbound_flight_id"]


def test_an_event_is_built_from_a_booking_and_a_payment_object_only() -> None:
    booking: Any = {"id": "b-1"}
    with pytest.raises(InvalidBookingMessage) as caught:
        BookingEvent(customer_id="c-1", booking=booking, payment=Payment(amount=1))
    assert reasons(caught) == ["booking: must be a Booking (got dict)"]


def test_the_models_are_frozen_and_compare_by_value() -> None:
    same = BookingEvent.model_validate(json.loads(EVENT.model_dump_json(by_alias=True)))
    assert same == EVENT
    assert hash(same) == hash(EVENT)
    with pytest.raises(AttributeError):
        EVENT.customer_id = "c-2"  # type: ignore[misc]


def test_model_validate_reads_camel_case_or_attribute_names_and_camel_case_wins() -> None:
    body = {
        "customer_id": "c-1",
        "booking": {"id": "b-1", "outbound_flight_id": "old", "outboundFlightId": "LH-1"},
        "payment": {"amount": 5},
        "unknown": "ignored",
    }
    event = BookingEvent.model_validate(body)
    assert (event.customer_id, event.booking.outbound_flight_id) == ("c-1", "LH-1")


def test_model_validate_names_every_wrong_field_by_the_key_it_was_given() -> None:
    body = {"customer_id": "", "booking": {"id": "b", "outbound_flight_id": 7}, "payment": "10"}
    with pytest.raises(InvalidBookingMessage) as caught:
        BookingEvent.model_validate(body)
    assert reasons(caught) == [
        "customer_id: must not be empty",
        "booking.outbound_flight_id: must be a string",
        "payment: must be a JSON object",
    ]


@pytest.mark.parametrize(
    ("keywords", "dumped"),
    [
        (
            {},
            {
                "customer_id": "c-1",
                "booking": {"id": "b-1", "reference": "PNR-é", "outbound_flight_id": "LH-400"},
                "payment": {"amount": 12_345, "receipt": None},
            },
        ),
        (
            {"by_alias": True, "exclude_none": True},
            {
                "customerId": "c-1",
                "booking": {"id": "b-1", "reference": "PNR-é", "outboundFlightId": "LH-400"},
                "payment": {"amount": 12_345},
            },
        ),
    ],
    ids=["attribute-names", "published"],
)
def test_model_dump_and_model_dump_json_take_by_alias_and_exclude_none(
    keywords: dict[str, bool], dumped: dict[str, Any]
) -> None:
    assert EVENT.model_dump(**keywords) == dumped
    text = EVENT.model_dump_json(**keywords)
    assert json.loads(text) == dumped
    assert "PNR-é" in text
    assert ", " not in text


def test_booking_event_reports_every_wrong_value_by_its_published_path() -> None:
    with pytest.raises(InvalidBookingMessage) as caught:
        booking_event("c 1", "b-1", amount=True, reference="\x00")
    assert [wrong.field for wrong in caught.value.errors] == [
        "customerId",
        "booking.reference",
        "payment.amount",
    ]


def published(**changes: Any) -> dict[str, Any]:
    body = EVENT.model_dump(by_alias=True, exclude_none=True)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = body
        for parent in parents:
            target = target[parent]
        target[last] = value
    return body


@pytest.mark.parametrize(
    "body",
    [
        published(customerId="c#1"),
        published(customerId=""),
        published(customerId="c" * 129),
        published(booking__id=7),
        published(booking__reference="r" * (MAX_TEXT_LENGTH + 1)),
        published(payment__amount=-1),
        published(payment__amount=MAX_AMOUNT + 1),
        published(payment__amount=1.5),
        published(payment__amount=True),
        published(payment__amount="100"),
        published(payment="100"),
    ],
)
def test_the_json_schema_refuses_what_validation_refuses(body: dict[str, Any]) -> None:
    schema = BookingEvent.model_json_schema()
    jsonschema.validate(EVENT.model_dump(by_alias=True), schema)
    with pytest.raises(InvalidBookingMessage):
        BookingEvent.model_validate(body)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema)
