"""Turn one SQS record (SNS raw delivery or SNS envelope) into a validated booking message."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from loyalty.domain.clock import parse_timestamp
from loyalty.errors import InvalidBookingMessage
from loyalty.inbound.booking import BookingEvent, BookingStatus
from loyalty.inbound.identifiers import validate_identifier

if TYPE_CHECKING:
    from mypy_boto3_sqs.type_defs import MessageAttributeValueOutputTypeDef, MessageTypeDef

__all__ = [
    "CORRELATION_ID_ATTRIBUTE",
    "FAKE_ATTRIBUTE",
    "STATUS_ATTRIBUTE",
    "BookingMessage",
    "lambda_sqs_record",
    "parse_booking_body",
    "parse_booking_line",
    "parse_sqs_record",
]

STATUS_ATTRIBUTE = "Booking.Status"
CORRELATION_ID_ATTRIBUTE = "Correlation.Id"
FAKE_ATTRIBUTE = "Booking.Fake"


@dataclass(frozen=True, slots=True)
class BookingMessage:
    """A booking event with the delivery metadata ingest needs."""

    event: BookingEvent
    status: BookingStatus
    correlation_id: str
    fake: bool = False
    message_id: str | None = None
    trace_id: str | None = None
    sent_at: datetime | None = None
    """The earliest send time the delivery carries (None when it carries none)."""
    sent_at_field: str | None = None
    """Where ``sent_at`` came from: ``attributes.SentTimestamp`` or the envelope's ``Timestamp``."""


MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects accepted in a body (a booking event needs 3 levels)."""

_SHOWN_LENGTH = 60


def _shown(value: object) -> str:
    """A short repr of a value for an error message: a message must never echo a whole body."""
    text = (
        repr(value) if isinstance(value, str | int | float | bool | None) else type(value).__name__
    )
    return text if len(text) <= _SHOWN_LENGTH else f"{text[: _SHOWN_LENGTH - 3]}..."


def _reject_constant(name: str) -> float:
    # json.loads accepts NaN and Infinity by default; they are not JSON and never a valid amount.
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every record: json.loads with a keyword argument builds a new one per call.
_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def _nested_deeper_than(value: Any, limit: int) -> bool:
    # Iterative, so measuring a deep value cannot itself exhaust the stack.
    pending = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        children = current.values() if isinstance(current, dict) else current
        for child in children:
            if isinstance(child, dict | list):
                if depth == limit:
                    return True
                pending.append((child, depth + 1))
    return False


def _too_deep(field: str) -> InvalidBookingMessage:
    return InvalidBookingMessage.single(field, f"is nested more than {MAX_JSON_DEPTH} levels deep")


def _loads(text: str, field: str) -> Any:
    try:
        value = _decoder.decode(text)
    except ValueError as error:
        raise InvalidBookingMessage.single(field, f"is not valid JSON ({error})") from None
    except RecursionError:
        # The decoder recurses per level: how deep it gets depends on the interpreter's stack,
        # so the limit below is what callers can rely on, and this is the same error.
        raise _too_deep(field) from None
    if isinstance(value, dict | list) and _nested_deeper_than(value, MAX_JSON_DEPTH):
        raise _too_deep(field)
    return value


# The attributes ingest reads: one it cannot read is an error, never a silent default.
_KNOWN_ATTRIBUTES = (STATUS_ATTRIBUTE, CORRELATION_ID_ATTRIBUTE, FAKE_ATTRIBUTE)


def _attribute_values(attributes: object, *, envelope: bool) -> dict[str, str]:
    """Read the known attributes from SQS (``stringValue``) or SNS-envelope (``Value``) ones.

    Raises
    ------
    InvalidBookingMessage
        If the attribute map is not an object, or a known attribute is not a String attribute
        with a string value (a Binary ``Booking.Status`` must not read as a missing one).
    """
    where = "MessageAttributes" if envelope else "messageAttributes"
    if attributes is None:
        return {}
    if not isinstance(attributes, Mapping):
        raise InvalidBookingMessage.single(
            where, f"must be an object of message attributes (got {type(attributes).__name__})"
        )
    type_key, value_key = ("Type", "Value") if envelope else ("dataType", "stringValue")
    values: dict[str, str] = {}
    for name in _KNOWN_ATTRIBUTES:
        if name not in attributes:
            continue
        attribute = attributes[name]
        field = f"{where}.{name}"
        if not isinstance(attribute, Mapping):
            raise InvalidBookingMessage.single(
                field, f"must be a message attribute object (got {type(attribute).__name__})"
            )
        data_type = attribute.get(type_key, "String")
        # SQS and SNS allow custom type labels after a dot: "String.status" is still a String.
        if not isinstance(data_type, str) or data_type.split(".", 1)[0] != "String":
            raise InvalidBookingMessage.single(
                field, f"must be a String attribute (got {type_key} {_shown(data_type)})"
            )
        value = attribute.get(value_key)
        if not isinstance(value, str):
            raise InvalidBookingMessage.single(
                field, f"has no string {value_key} (got {_shown(value)})"
            )
        values[name] = value
    return values


def _parse_status(attributes: Mapping[str, str], body: Mapping[str, Any]) -> BookingStatus:
    if STATUS_ATTRIBUTE in attributes:
        field, raw = f"messageAttributes.{STATUS_ATTRIBUTE}", attributes[STATUS_ATTRIBUTE]
    elif "status" in body:
        field, raw = "status", body["status"]
    else:
        return BookingStatus.CONFIRMED
    if isinstance(raw, str):
        try:
            return BookingStatus(raw.strip().lower())
        except ValueError:
            pass
    raise InvalidBookingMessage.single(
        field, f"unknown status {_shown(raw)}; expected 'confirmed' or 'cancelled'"
    )


def _parse_fake(attributes: Mapping[str, str]) -> bool:
    raw = attributes.get(FAKE_ATTRIBUTE)
    if raw is None:
        return False
    flag = raw.strip().lower()
    if flag not in {"true", "false"}:
        raise InvalidBookingMessage.single(
            f"messageAttributes.{FAKE_ATTRIBUTE}", f"must be 'true' or 'false' (got {raw!r})"
        )
    return flag == "true"


def parse_booking_body(
    body: Any,
    attributes: Mapping[str, str] | None = None,
    *,
    message_id: str | None = None,
    trace_id: str | None = None,
) -> BookingMessage:
    """Validate a decoded booking body and its message attributes.

    Raises
    ------
    InvalidBookingMessage
        Naming every field that is missing or wrong.
    """
    attributes = attributes or {}
    if not isinstance(body, dict):
        raise InvalidBookingMessage.single(
            "body", f"must be a JSON object (got {type(body).__name__})"
        )
    if "price" in body and "booking" not in body:
        raise InvalidBookingMessage.single(
            "booking",
            "missing: the legacy {customerId, price} shape has no booking id and cannot be "
            "ingested idempotently; publish booking.id and payment.amount instead",
        )
    status = _parse_status(attributes, body)
    fake = _parse_fake(attributes)
    event = BookingEvent.model_validate(body)
    correlation_id = attributes.get(CORRELATION_ID_ATTRIBUTE)
    if correlation_id is not None:
        try:
            validate_identifier(correlation_id)
        except ValueError as error:
            raise InvalidBookingMessage.single(
                f"messageAttributes.{CORRELATION_ID_ATTRIBUTE}", str(error)
            ) from None
    return BookingMessage(
        event=event,
        status=status,
        correlation_id=correlation_id or event.booking.id,
        fake=fake,
        message_id=message_id,
        trace_id=trace_id,
    )


def parse_booking_line(line: str) -> BookingMessage:
    """Parse one line of a JSON-lines file of booking events (``"status"`` in the body).

    Raises
    ------
    InvalidBookingMessage
        ``line: is not valid JSON`` for a line that is not JSON, else naming every field that is
        missing or wrong.
    """
    return parse_booking_body(_loads(line, "line"))


def _trace_id(record: Mapping[str, Any]) -> str | None:
    attributes = record.get("attributes")
    header = attributes.get("AWSTraceHeader") if isinstance(attributes, Mapping) else None
    if not isinstance(header, str):
        return None
    for part in header.split(";"):
        if part.startswith("Root="):
            return part.removeprefix("Root=")
    return None


def _sqs_sent_at(record: Mapping[str, Any]) -> datetime | None:
    attributes = record.get("attributes")
    raw = attributes.get("SentTimestamp") if isinstance(attributes, Mapping) else None
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 15:
        raise InvalidBookingMessage.single(
            "attributes.SentTimestamp", f"must be epoch milliseconds (got {_shown(raw)})"
        )
    return datetime.fromtimestamp(int(raw) / 1000, UTC)


def _envelope_sent_at(envelope: Mapping[str, Any]) -> datetime | None:
    raw = envelope.get("Timestamp")
    if raw is None:
        return None
    try:
        if not isinstance(raw, str):
            raise TypeError
        return parse_timestamp(raw)
    except (TypeError, ValueError):
        raise InvalidBookingMessage.single(
            "Timestamp", f"must be an ISO 8601 time with an offset (got {_shown(raw)})"
        ) from None


def parse_sqs_record(record: Mapping[str, Any]) -> BookingMessage:
    """Parse one record of a Lambda SQS event.

    The body is either the booking event itself (SNS raw message delivery, attributes on the SQS
    record) or an SNS notification envelope whose ``Message`` is the booking event. The earliest
    send time the record carries (the SQS ``SentTimestamp``, the envelope's ``Timestamp``) becomes
    ``sent_at``.

    Raises
    ------
    InvalidBookingMessage
        If the body, the envelope, a send time or the booking event is invalid.
    """
    raw_body = record.get("body")
    if not isinstance(raw_body, str):
        raise InvalidBookingMessage.single("body", "is missing from the SQS record")
    body = _loads(raw_body, "body")
    attributes = _attribute_values(record.get("messageAttributes"), envelope=False)
    sent = [("attributes.SentTimestamp", _sqs_sent_at(record))]
    if isinstance(body, dict) and body.get("Type") == "Notification" and "TopicArn" in body:
        message = body.get("Message")
        if not isinstance(message, str):
            raise InvalidBookingMessage.single("Message", "is missing from the SNS envelope")
        attributes |= _attribute_values(body.get("MessageAttributes"), envelope=True)
        sent.append(("Timestamp", _envelope_sent_at(body)))
        body = _loads(message, "Message")
    parsed = parse_booking_body(
        body, attributes, message_id=record.get("messageId"), trace_id=_trace_id(record)
    )
    known = [(moment, field) for field, moment in sent if moment is not None]
    if not known:
        return parsed
    earliest, field = min(known)
    return replace(parsed, sent_at=earliest, sent_at_field=field)


def _attribute(value: MessageAttributeValueOutputTypeDef) -> dict[str, Any]:
    # Lambda's record spells SQS's attribute fields in camel case and base64-encodes binaries.
    attribute: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return attribute


def lambda_sqs_record(message: MessageTypeDef, *, queue_arn: str, region: str) -> dict[str, Any]:
    """Turn a ReceiveMessage result into the record Lambda's SQS event source delivers."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record
