"""The booking event the booking service publishes, validated strictly.

Frozen dataclasses checked by hand rather than pydantic models: ingest validates every booking
with them, and pydantic's model machinery was most of that function's cold start (decision 0014).
They keep the pydantic API the library's users call: validation on construction,
``model_validate``, ``model_dump``, ``model_dump_json`` and ``model_json_schema``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

from loyalty.errors import FieldError, InvalidBookingMessage, InvalidIdentifier
from loyalty.inbound.identifiers import MAX_ID_LENGTH, validate_identifier

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["MAX_AMOUNT", "MAX_TEXT_LENGTH", "Booking", "BookingEvent", "BookingStatus", "Payment"]

MAX_TEXT_LENGTH = 256
MAX_AMOUNT = 100_000_000
"""Largest accepted payment in minor units (1 000 000.00 in a two-decimal currency)."""


class BookingStatus(StrEnum):
    """What happened to the booking."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


# Each check returns what is wrong with a value, or None: a message collects every problem.


def _identifier_problem(value: object) -> str | None:
    try:
        validate_identifier(value)
    except InvalidIdentifier as error:
        return str(error)
    return None


def _text_problem(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return "must be a string"
    if len(value) > MAX_TEXT_LENGTH:
        return f"must be at most {MAX_TEXT_LENGTH} characters (got {len(value)})"
    if not value.isprintable():
        return "contains a non-printable character"
    return None


def _amount_problem(value: object) -> str | None:
    # Strictly an integer of minor units: JSON booleans, strings and floats are refused outright
    # rather than coerced, since a coerced amount is a guess about money.
    if isinstance(value, bool):
        return "must be an integer of minor units, not a boolean"
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"must be a finite number (got {value})"
        return f"must be an integer of minor units (got {value!r})"
    if not isinstance(value, int):
        return f"must be an integer of minor units (got {type(value).__name__})"
    if value < 0:
        return f"must not be negative (got {value})"
    if value > MAX_AMOUNT:
        return f"must be at most {MAX_AMOUNT} minor units (got {value})"
    return None


_SCHEMAS: dict[Callable[[object], str | None], dict[str, Any]] = {
    _identifier_problem: {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_ID_LENGTH,
        "pattern": "^[A-Za-z0-9_.:@-]+$",
    },
    _text_problem: {
        "anyOf": [{"type": "string", "maxLength": MAX_TEXT_LENGTH}, {"type": "null"}],
        "default": None,
    },
    _amount_problem: {"type": "integer", "minimum": 0, "maximum": MAX_AMOUNT},
}

_MISSING: Any = object()


class _Field:
    """One field: attribute name, name on the wire, and its check or the class of its object."""

    __slots__ = ("check", "key", "name", "part", "required")

    def __init__(
        self,
        name: str,
        key: str,
        check: Callable[[object], str | None] | None = None,
        *,
        part: type[_EventPart] | None = None,
        required: bool = False,
    ) -> None:
        self.name, self.key, self.required = name, key, required
        self.check, self.part = check, part


class _EventPart:
    """What the three parts share: checks on construction, reading and writing the wire form."""

    __slots__ = ()
    _FIELDS: ClassVar[tuple[_Field, ...]]

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        for field in self._FIELDS:
            value = getattr(self, field.name)
            if field.part is not None:
                if not isinstance(value, field.part):
                    reason = f"must be a {field.part.__name__} (got {type(value).__name__})"
                    errors.append(FieldError(field.name, reason))
            elif field.check is not None and (problem := field.check(value)) is not None:
                errors.append(FieldError(field.name, problem))
        if errors:
            raise InvalidBookingMessage(errors)

    @classmethod
    def model_validate(cls, data: object) -> Self:
        """Validate a decoded JSON object: camel-case keys (as published) or attribute names.

        Unknown keys are ignored; where both spellings of a field are present, the camel-case one
        is read.

        Raises
        ------
        loyalty.errors.InvalidBookingMessage
            Naming every field that is missing or wrong, by its path (``payment.amount``).
        """
        errors: list[FieldError] = []
        parsed = cls._from_wire(data, "", errors)
        if parsed is None:
            raise InvalidBookingMessage(errors)
        return parsed

    @classmethod
    def _from_wire(cls, data: object, path: str, errors: list[FieldError]) -> Self | None:
        # Appends every problem to errors (None returned) or returns the checked object.
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            errors.append(FieldError(path or "body", "must be a JSON object"))
            return None
        found = len(errors)
        values: dict[str, object] = {}
        for field in cls._FIELDS:
            used = field.key if field.key in data or field.name not in data else field.name
            value = data.get(used, _MISSING)
            where = f"{path}.{used}" if path else used
            if value is _MISSING:
                if field.required:
                    errors.append(FieldError(where, "Field required"))
                continue
            if field.part is not None:
                value = field.part._from_wire(value, where, errors)
            elif field.check is not None and (problem := field.check(value)) is not None:
                errors.append(FieldError(where, problem))
            values[field.name] = value
        if len(errors) > found:
            return None
        # Checked above, field by field: built without running the same checks again.
        parsed = object.__new__(cls)
        for field in cls._FIELDS:
            object.__setattr__(parsed, field.name, values.get(field.name))
        return parsed

    def model_dump(self, *, by_alias: bool = False, exclude_none: bool = False) -> dict[str, Any]:
        """The event as a dict: attribute names, or the published camel-case ones (``by_alias``)."""
        dumped: dict[str, Any] = {}
        for field in self._FIELDS:
            value = getattr(self, field.name)
            if value is None and exclude_none:
                continue
            if isinstance(value, _EventPart):
                value = value.model_dump(by_alias=by_alias, exclude_none=exclude_none)
            dumped[field.key if by_alias else field.name] = value
        return dumped

    def model_dump_json(self, *, by_alias: bool = False, exclude_none: bool = False) -> str:
        """The event as compact JSON (UTF-8 text, not ASCII escapes), as :meth:`model_dump`."""
        dumped = self.model_dump(by_alias=by_alias, exclude_none=exclude_none)
        return json.dumps(dumped, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def model_json_schema(cls, *, by_alias: bool = True) -> dict[str, Any]:
        """The JSON Schema of the published form (camel-case names unless ``by_alias=False``)."""
        definitions: dict[str, Any] = {}
        schema = cls._schema(by_alias, definitions)
        return {"$defs": definitions, **schema} if definitions else schema

    @classmethod
    def _schema(cls, by_alias: bool, definitions: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in cls._FIELDS:
            named = field.key if by_alias else field.name
            if field.part is not None:
                definitions[field.part.__name__] = field.part._schema(by_alias, definitions)
                properties[named] = {"$ref": f"#/$defs/{field.part.__name__}"}
            elif field.check is not None:
                properties[named] = dict(_SCHEMAS[field.check])
            if field.required:
                required.append(named)
        description = (cls.__doc__ or "").split("\n\n")[0].strip()
        return {
            "description": description,
            "properties": properties,
            "required": required,
            "title": cls.__name__,
            "type": "object",
        }


@dataclass(frozen=True, slots=True)
class Booking(_EventPart):
    """The booking part of the event."""

    _FIELDS: ClassVar[tuple[_Field, ...]] = (
        _Field("id", "id", _identifier_problem, required=True),
        _Field("reference", "reference", _text_problem),
        _Field("outbound_flight_id", "outboundFlightId", _text_problem),
    )

    id: str
    reference: str | None = None
    outbound_flight_id: str | None = None


@dataclass(frozen=True, slots=True)
class Payment(_EventPart):
    """The payment part of the event; ``amount`` is integer minor units."""

    _FIELDS: ClassVar[tuple[_Field, ...]] = (
        _Field("amount", "amount", _amount_problem, required=True),
        _Field("receipt", "receipt", _text_problem),
    )

    amount: int
    receipt: str | None = None


@dataclass(frozen=True, slots=True)
class BookingEvent(_EventPart):
    """A booking event as published by the booking service.

    Examples
    --------
    >>> event = BookingEvent(
    ...     customer_id="c-1", booking=Booking(id="b-1"), payment=Payment(amount=12_345)
    ... )
    >>> event.model_dump(by_alias=True, exclude_none=True)["customerId"]
    'c-1'
    """

    _FIELDS: ClassVar[tuple[_Field, ...]] = (
        _Field("customer_id", "customerId", _identifier_problem, required=True),
        _Field("booking", "booking", part=Booking, required=True),
        _Field("payment", "payment", part=Payment, required=True),
    )

    customer_id: str
    booking: Booking
    payment: Payment
