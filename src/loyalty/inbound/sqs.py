"""Turn one SQS record (SNS raw delivery or SNS envelope) into a validated booking message."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

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


def _reject_constant(name: str) -> float:
    # json.loads accepts NaN and Infinity by default; they are not JSON and never a valid amount.
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every record: json.loads with a keyword argument builds a new one per call.
_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def _loads(text: str, field: str) -> Any:
    try:
        return _decoder.decode(text)
    except ValueError as error:
        raise InvalidBookingMessage.single(field, f"is not valid JSON ({error})") from None


def _attribute_values(attributes: Mapping[str, Any], *, envelope: bool) -> dict[str, str]:
    """Flatten SQS (``stringValue``) or SNS-envelope (``Value``) message attributes."""
    key = "Value" if envelope else "stringValue"
    values: dict[str, str] = {}
    for name, attribute in attributes.items():
        if isinstance(attribute, Mapping) and isinstance(attribute.get(key), str):
            values[name] = attribute[key]
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
        field, f"unknown status {raw!r}; expected 'confirmed' or 'cancelled'"
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
    try:
        event = BookingEvent.model_validate(body)
    except ValidationError as error:
        raise InvalidBookingMessage.of_validation(error) from None
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
    header = (record.get("attributes") or {}).get("AWSTraceHeader")
    if not isinstance(header, str):
        return None
    for part in header.split(";"):
        if part.startswith("Root="):
            return part.removeprefix("Root=")
    return None


def parse_sqs_record(record: Mapping[str, Any]) -> BookingMessage:
    """Parse one record of a Lambda SQS event.

    The body is either the booking event itself (SNS raw message delivery, attributes on the SQS
    record) or an SNS notification envelope whose ``Message`` is the booking event.

    Raises
    ------
    InvalidBookingMessage
        If the body, the envelope or the booking event is invalid.
    """
    raw_body = record.get("body")
    if not isinstance(raw_body, str):
        raise InvalidBookingMessage.single("body", "is missing from the SQS record")
    body = _loads(raw_body, "body")
    attributes = _attribute_values(record.get("messageAttributes") or {}, envelope=False)
    if isinstance(body, dict) and body.get("Type") == "Notification" and "TopicArn" in body:
        message = body.get("Message")
        if not isinstance(message, str):
            raise InvalidBookingMessage.single("Message", "is missing from the SNS envelope")
        attributes |= _attribute_values(body.get("MessageAttributes") or {}, envelope=True)
        body = _loads(message, "Message")
    return parse_booking_body(
        body, attributes, message_id=record.get("messageId"), trace_id=_trace_id(record)
    )


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
