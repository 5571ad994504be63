"""Turn one DynamoDB Streams record (as Lambda delivers it) into a ledger change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from loyalty.domain.aggregates import CustomerAggregate, LedgerChange
from loyalty.domain.clock import format_timestamp
from loyalty.errors import InvalidStreamRecord
from loyalty.repository.items import (
    AGGREGATE_PREFIX,
    REDEMPTION_PREFIX,
    TRANSACTION_PREFIX,
    aggregate_from_item,
    ledger_image_of,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "TTL_PRINCIPAL",
    "TTL_USER_IDENTITY",
    "AggregateWrite",
    "aggregate_write_of",
    "lambda_stream_record",
    "ledger_change_of",
]

TTL_PRINCIPAL = "dynamodb.amazonaws.com"
"""``userIdentity.principalId`` of deletions made by DynamoDB's TTL service."""

TTL_USER_IDENTITY = {"type": "Service", "principalId": TTL_PRINCIPAL}
"""The ``userIdentity`` DynamoDB puts on the stream record of a TTL deletion."""


def lambda_stream_record(
    old_image: Mapping[str, Any] | None,
    new_image: Mapping[str, Any] | None,
    sequence_number: str,
    *,
    ttl_removal: bool = False,
    source: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A DynamoDB Streams record (``NEW_AND_OLD_IMAGES``) as Lambda delivers it, for one change.

    The event name follows from the images: INSERT without an old one, REMOVE without a new one.
    ``source`` adds the fields that say where it came from (``eventSourceARN``, ``awsRegion``...).
    """
    image = new_image if new_image is not None else old_image
    if image is None:
        raise ValueError("a stream record needs an old or a new image")
    change: dict[str, Any] = {
        "Keys": {"pk": image["pk"], "sk": image["sk"]},
        "SequenceNumber": sequence_number,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new_image is not None:
        change["NewImage"] = dict(new_image)
    if old_image is not None:
        change["OldImage"] = dict(old_image)
    name = "INSERT" if old_image is None else "REMOVE" if new_image is None else "MODIFY"
    record: dict[str, Any] = {
        "eventID": f"event-{sequence_number}",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        **(source or {}),
        "dynamodb": change,
    }
    if ttl_removal:
        record["userIdentity"] = dict(TTL_USER_IDENTITY)
    return record


def _item_change(record: Mapping[str, Any], prefix: str) -> tuple[dict[str, Any], str, str] | None:
    """The ``dynamodb`` section, key and sequence number of a record of an item whose partition
    key starts with ``prefix``; None for any other item."""
    stream = record.get("dynamodb")
    if not isinstance(stream, dict):
        raise InvalidStreamRecord("record has no 'dynamodb' section")
    pk = stream.get("Keys", {}).get("pk", {}).get("S")
    if not isinstance(pk, str) or not pk.startswith(prefix):
        return None
    sequence_number = stream.get("SequenceNumber")
    if not isinstance(sequence_number, str) or not sequence_number.isdigit():
        raise InvalidStreamRecord(f"record of {pk} has no valid SequenceNumber")
    return stream, pk, sequence_number


def ledger_change_of(record: Mapping[str, Any]) -> LedgerChange | None:
    """Return the ledger change of a stream record, or None for any item that is not a transaction
    (an aggregate or a redemption).

    Raises
    ------
    InvalidStreamRecord
        If a transaction record lacks its sequence number or carries an unreadable image.
    """
    change = _item_change(record, TRANSACTION_PREFIX)
    if change is None:
        return None
    stream, pk, sequence_number = change
    sort_key = stream.get("Keys", {}).get("sk", {}).get("S")
    if isinstance(sort_key, str) and sort_key.startswith(REDEMPTION_PREFIX):
        # Written in one transaction with its effect on the aggregate: never re-applied.
        return None
    customer_id = pk.removeprefix(TRANSACTION_PREFIX)
    try:
        old = ledger_image_of(stream.get("OldImage"))
        new = ledger_image_of(stream.get("NewImage"))
    except ValueError as error:
        raise InvalidStreamRecord(f"record {sequence_number} of {pk}: {error}") from None
    identity = record.get("userIdentity") or {}
    by_ttl = record.get("eventName") == "REMOVE" and identity.get("principalId") == TTL_PRINCIPAL
    return LedgerChange(
        customer_id,
        sequence_number,
        old,
        new,
        ttl_removal=by_ttl,
        item_key=sort_key if isinstance(sort_key, str) else "",
    )


@dataclass(frozen=True, slots=True)
class AggregateWrite:
    """One stream record of an aggregate item: the aggregate before and after the write."""

    sequence_number: str
    before: CustomerAggregate | None
    after: CustomerAggregate
    written_at: str
    """When the write happened: the aggregate's ``updated_at``, else the record's approximate
    creation time (ISO 8601 UTC)."""


def aggregate_write_of(record: Mapping[str, Any]) -> AggregateWrite | None:
    """Return the aggregate write a stream record carries, or None for any other record.

    A removal of an aggregate item (by hand) carries no new state and is None too.

    Raises
    ------
    InvalidStreamRecord
        If an aggregate record lacks its sequence number or carries an unreadable image.
    """
    change = _item_change(record, AGGREGATE_PREFIX)
    if change is None:
        return None
    stream, pk, sequence_number = change
    new, old = stream.get("NewImage"), stream.get("OldImage")
    if new is None:
        return None
    try:
        before = aggregate_from_item(old) if old else None
        after = aggregate_from_item(new)
    except ValueError as error:
        raise InvalidStreamRecord(f"record {sequence_number} of {pk}: {error}") from None
    created = stream.get("ApproximateCreationDateTime")
    written_at = (
        format_timestamp(datetime.fromtimestamp(created, UTC))
        if isinstance(created, int | float)
        else ""
    )
    return AggregateWrite(sequence_number, before, after, after.updated_at or written_at)
