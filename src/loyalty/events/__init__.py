"""Booking events: the model publishers build and the parser ingest uses."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loyalty.events.booking import (
        MAX_AMOUNT,
        Booking,
        BookingEvent,
        BookingStatus,
        Payment,
    )
    from loyalty.events.errors import (
        FieldError,
        InvalidBookingMessage,
    )
    from loyalty.events.identifiers import (
        MAX_ID_LENGTH,
        InvalidIdentifier,
        validate_identifier,
    )
    from loyalty.events.sqs import (
        CORRELATION_ID_ATTRIBUTE,
        FAKE_ATTRIBUTE,
        STATUS_ATTRIBUTE,
        BookingMessage,
        parse_booking_body,
        parse_sqs_record,
    )

# Public names are imported on first use (PEP 562): a Lambda entrypoint that needs one module
# does not pay at cold start for loading every other one (the pydantic event models above all).
_EXPORTS = {
    "CORRELATION_ID_ATTRIBUTE": "loyalty.events.sqs",
    "FAKE_ATTRIBUTE": "loyalty.events.sqs",
    "MAX_AMOUNT": "loyalty.events.booking",
    "MAX_ID_LENGTH": "loyalty.events.identifiers",
    "STATUS_ATTRIBUTE": "loyalty.events.sqs",
    "Booking": "loyalty.events.booking",
    "BookingEvent": "loyalty.events.booking",
    "BookingMessage": "loyalty.events.sqs",
    "BookingStatus": "loyalty.events.booking",
    "FieldError": "loyalty.events.errors",
    "InvalidIdentifier": "loyalty.events.identifiers",
    "InvalidBookingMessage": "loyalty.events.errors",
    "Payment": "loyalty.events.booking",
    "parse_booking_body": "loyalty.events.sqs",
    "parse_sqs_record": "loyalty.events.sqs",
    "validate_identifier": "loyalty.events.identifiers",
}

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
    "InvalidIdentifier",
    "Payment",
    "parse_booking_body",
    "parse_sqs_record",
    "validate_identifier",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
