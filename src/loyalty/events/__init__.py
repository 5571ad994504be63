"""Booking events: the model publishers build and the parser ingest uses."""

from __future__ import annotations

from loyalty.events.booking import (
    MAX_AMOUNT,
    MAX_ID_LENGTH,
    Booking,
    BookingEvent,
    BookingStatus,
    Payment,
    validate_identifier,
)
from loyalty.events.errors import FieldError, InvalidBookingMessage
from loyalty.events.sqs import (
    CORRELATION_ID_ATTRIBUTE,
    FAKE_ATTRIBUTE,
    STATUS_ATTRIBUTE,
    BookingMessage,
    parse_booking_body,
    parse_sqs_record,
)

__all__ = [
    "CORRELATION_ID_ATTRIBUTE",
    "FAKE_ATTRIBUTE",
    "MAX_AMOUNT",
    "MAX_ID_LENGTH",
    "STATUS_ATTRIBUTE",
    "Booking",
    "BookingEvent",
    "BookingMessage",
    "BookingStatus",
    "FieldError",
    "InvalidBookingMessage",
    "Payment",
    "parse_booking_body",
    "parse_sqs_record",
    "validate_identifier",
]
