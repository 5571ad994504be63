"""Turn one DynamoDB Streams record (as Lambda delivers it) into a ledger change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty.domain.aggregates import LedgerChange, image_value
from loyalty.repository.items import customer_of_transaction_key

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["TTL_PRINCIPAL", "InvalidStreamRecord", "ledger_change_of"]

TTL_PRINCIPAL = "dynamodb.amazonaws.com"
"""``userIdentity.principalId`` of deletions made by DynamoDB's TTL service."""


class InvalidStreamRecord(ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """A stream record of a transaction item that cannot be aggregated."""


def ledger_change_of(record: Mapping[str, Any]) -> LedgerChange | None:
    """Return the ledger change of a stream record, or None for any item that is not a transaction.

    Raises
    ------
    InvalidStreamRecord
        If a transaction record lacks its sequence number or carries an unreadable image.
    """
    stream = record.get("dynamodb")
    if not isinstance(stream, dict):
        raise InvalidStreamRecord("record has no 'dynamodb' section")
    pk = stream.get("Keys", {}).get("pk", {}).get("S")
    customer_id = customer_of_transaction_key(pk) if isinstance(pk, str) else None
    if customer_id is None:
        return None
    sequence_number = stream.get("SequenceNumber")
    if not isinstance(sequence_number, str) or not sequence_number.isdigit():
        raise InvalidStreamRecord(f"record of {pk} has no valid SequenceNumber")
    try:
        delta = image_value(stream.get("NewImage")) - image_value(stream.get("OldImage"))
    except ValueError as error:
        raise InvalidStreamRecord(f"record {sequence_number} of {pk}: {error}") from None
    identity = record.get("userIdentity") or {}
    expired = record.get("eventName") == "REMOVE" and identity.get("principalId") == TTL_PRINCIPAL
    sort_key = stream.get("Keys", {}).get("sk", {}).get("S")
    return LedgerChange(
        customer_id,
        sequence_number,
        delta,
        expired,
        item_key=sort_key if isinstance(sort_key, str) else "",
        had_old_image=stream.get("OldImage") is not None,
    )
