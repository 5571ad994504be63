"""For publishers: build SNS messages that ingest accepts, valid by construction."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from loyalty.inbound.booking import BookingEvent, BookingStatus
from loyalty.inbound.sqs import CORRELATION_ID_ATTRIBUTE, FAKE_ATTRIBUTE, STATUS_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

__all__ = ["SnsBookingMessage", "booking_event", "build_sns_message"]


class SnsBookingMessage(TypedDict):
    """Keyword arguments for ``sns.publish(TopicArn=..., **message)``."""

    Message: str
    MessageAttributes: dict[str, MessageAttributeValueTypeDef]


def booking_event(
    customer_id: str,
    booking_id: str,
    amount: int,
    *,
    reference: str | None = None,
    outbound_flight_id: str | None = None,
    receipt: str | None = None,
) -> BookingEvent:
    """Build and validate a booking event from plain values.

    Raises
    ------
    loyalty.errors.InvalidBookingMessage
        If any value is invalid, naming every such field as published (``payment.amount``).
    """
    return BookingEvent.model_validate(
        {
            "customerId": customer_id,
            "booking": {
                "id": booking_id,
                "reference": reference,
                "outboundFlightId": outbound_flight_id,
            },
            "payment": {"amount": amount, "receipt": receipt},
        }
    )


def build_sns_message(
    event: BookingEvent,
    status: BookingStatus | str = BookingStatus.CONFIRMED,
    *,
    correlation_id: str | None = None,
    fake: bool = False,
) -> SnsBookingMessage:
    """Build the SNS message for a booking event: JSON body plus the ``Booking.Status`` attribute.

    Examples
    --------
    >>> message = build_sns_message(booking_event("c-1", "b-1", 12_345), "cancelled")
    >>> message["MessageAttributes"]["Booking.Status"]
    {'DataType': 'String', 'StringValue': 'cancelled'}
    """
    attributes: dict[str, MessageAttributeValueTypeDef] = {
        STATUS_ATTRIBUTE: {"DataType": "String", "StringValue": BookingStatus(status).value},
    }
    if correlation_id is not None:
        attributes[CORRELATION_ID_ATTRIBUTE] = {"DataType": "String", "StringValue": correlation_id}
    if fake:
        attributes[FAKE_ATTRIBUTE] = {"DataType": "String", "StringValue": "true"}
    return {
        "Message": event.model_dump_json(by_alias=True, exclude_none=True),
        "MessageAttributes": attributes,
    }
