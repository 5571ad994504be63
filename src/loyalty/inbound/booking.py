"""The booking event the booking service publishes, validated strictly."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from loyalty.errors import InvalidIdentifier
from loyalty.inbound.identifiers import validate_identifier

__all__ = ["MAX_AMOUNT", "Booking", "BookingEvent", "BookingStatus", "Payment"]

MAX_TEXT_LENGTH = 256
MAX_AMOUNT = 100_000_000
"""Largest accepted payment in minor units (1 000 000.00 in a two-decimal currency)."""


class BookingStatus(StrEnum):
    """What happened to the booking."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


def _identifier(value: object) -> str:
    try:
        return validate_identifier(value)
    except InvalidIdentifier as error:
        raise PydanticCustomError("identifier", str(error)) from None


def _validate_text(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("text_type", "must be a string")
    if len(value) > MAX_TEXT_LENGTH:
        raise PydanticCustomError(
            "text_too_long",
            "must be at most {limit} characters (got {length})",
            {"limit": MAX_TEXT_LENGTH, "length": len(value)},
        )
    if not value.isprintable():
        raise PydanticCustomError("text_character", "contains a non-printable character")
    return value


def _validate_amount(value: object) -> int:
    # Strictly an integer of minor units: JSON booleans, strings and floats are refused outright
    # rather than coerced, since a coerced amount is a guess about money.
    if isinstance(value, bool):
        raise PydanticCustomError("amount_type", "must be an integer of minor units, not a boolean")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError(
                "amount_not_finite", "must be a finite number (got {value})", {"value": str(value)}
            )
        raise PydanticCustomError(
            "amount_fractional",
            "must be an integer of minor units (got {value})",
            {"value": repr(value)},
        )
    if not isinstance(value, int):
        raise PydanticCustomError(
            "amount_type",
            "must be an integer of minor units (got {type})",
            {"type": type(value).__name__},
        )
    if value < 0:
        raise PydanticCustomError(
            "amount_negative", "must not be negative (got {value})", {"value": value}
        )
    if value > MAX_AMOUNT:
        raise PydanticCustomError(
            "amount_too_large",
            "must be at most {limit} minor units (got {value})",
            {"limit": MAX_AMOUNT, "value": value},
        )
    return value


def _reject_non_object(value: Any) -> Any:
    if not isinstance(value, dict | BaseModel):
        raise PydanticCustomError("object_type", "must be a JSON object")
    return value


Identifier = Annotated[str, BeforeValidator(_identifier)]
OptionalText = Annotated[str | None, BeforeValidator(_validate_text)]
Amount = Annotated[int, BeforeValidator(_validate_amount)]

_MODEL_CONFIG = ConfigDict(
    alias_generator=to_camel,
    populate_by_name=True,
    frozen=True,
    extra="ignore",
)


class Booking(BaseModel):
    """The booking part of the event."""

    model_config = _MODEL_CONFIG

    id: Identifier
    reference: OptionalText = None
    outbound_flight_id: OptionalText = None


class Payment(BaseModel):
    """The payment part of the event; ``amount`` is integer minor units."""

    model_config = _MODEL_CONFIG

    amount: Amount
    receipt: OptionalText = None


class BookingEvent(BaseModel):
    """A booking event as published by the booking service.

    Examples
    --------
    >>> event = BookingEvent(
    ...     customer_id="c-1", booking=Booking(id="b-1"), payment=Payment(amount=12_345)
    ... )
    >>> event.model_dump(by_alias=True, exclude_none=True)["customerId"]
    'c-1'
    """

    model_config = _MODEL_CONFIG

    customer_id: Identifier
    booking: Annotated[Booking, BeforeValidator(_reject_non_object)]
    payment: Annotated[Payment, BeforeValidator(_reject_non_object)]
