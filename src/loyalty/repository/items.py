"""The single-table key schema and the DynamoDB item codec (docs/decisions/0001)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty.domain.aggregates import CustomerAggregate
from loyalty.domain.tiers import Tier
from loyalty.domain.transactions import Transaction, TransactionStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

__all__ = [
    "AGGREGATE_PREFIX",
    "AGGREGATE_SORT_KEY",
    "BOOKING_PREFIX",
    "TRANSACTION_PREFIX",
    "aggregate_from_item",
    "aggregate_key",
    "aggregate_to_item",
    "transaction_from_item",
    "transaction_image_value",
    "transaction_key",
    "transaction_to_item",
]

TRANSACTION_PREFIX = "TXN#"
BOOKING_PREFIX = "BOOKING#"
AGGREGATE_PREFIX = "AGG#"
AGGREGATE_SORT_KEY = "AGG"

_STATUSES = frozenset(status.value for status in TransactionStatus)
_OPTIONAL_STRINGS = (
    "booking_reference",
    "outbound_flight_id",
    "payment_receipt",
    "correlation_id",
    "revoked_at",
)


def transaction_key(customer_id: str, booking_id: str) -> dict[str, AttributeValueTypeDef]:
    """Primary key of a booking's transaction: ``TXN#{customer}`` / ``BOOKING#{booking}``."""
    return {
        "pk": {"S": f"{TRANSACTION_PREFIX}{customer_id}"},
        "sk": {"S": f"{BOOKING_PREFIX}{booking_id}"},
    }


def aggregate_key(customer_id: str) -> dict[str, AttributeValueTypeDef]:
    """Primary key of a customer's aggregate: ``AGG#{customer}`` / ``AGG``."""
    return {"pk": {"S": f"{AGGREGATE_PREFIX}{customer_id}"}, "sk": {"S": AGGREGATE_SORT_KEY}}


def transaction_image_value(image: Mapping[str, Any] | None) -> int:
    """The points a stream image of a transaction item contributes (``Transaction.value``).

    A missing image (the side of an INSERT or REMOVE that has none) contributes 0.

    Raises
    ------
    ValueError
        If an ACTIVE image has no valid non-negative ``points``.
    """
    raw_status = (image or {}).get("status", {}).get("S")
    if raw_status not in _STATUSES:
        return 0
    status = TransactionStatus(raw_status)
    if not status.counts:
        return 0
    try:
        points = int(image["points"]["N"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{status.value} transaction image has no numeric 'points'") from None
    if points < 0:
        raise ValueError(f"{status.value} transaction image has negative points ({points})")
    return points


def transaction_to_item(transaction: Transaction) -> dict[str, AttributeValueTypeDef]:
    """Encode a transaction as a DynamoDB item (keys included)."""
    item: dict[str, AttributeValueTypeDef] = {
        **transaction_key(transaction.customer_id, transaction.booking_id),
        "transaction_id": {"S": transaction.transaction_id},
        "customer_id": {"S": transaction.customer_id},
        "booking_id": {"S": transaction.booking_id},
        "points": {"N": str(transaction.points)},
        "status": {"S": transaction.status.value},
        "created_at": {"S": transaction.created_at},
        "expires_at": {"N": str(transaction.expires_at)},
        "fake": {"BOOL": transaction.fake},
    }
    if transaction.payment_amount is not None:
        item["payment_amount"] = {"N": str(transaction.payment_amount)}
    for name in _OPTIONAL_STRINGS:
        value = getattr(transaction, name)
        if value is not None:
            item[name] = {"S": value}
    return item


def transaction_from_item(item: Mapping[str, Any]) -> Transaction:
    """Decode a DynamoDB item or stream image of a transaction.

    Raises
    ------
    ValueError
        If a required attribute is missing or has the wrong type.
    """
    try:
        payment_amount = item.get("payment_amount")
        return Transaction(
            transaction_id=item["transaction_id"]["S"],
            customer_id=item["customer_id"]["S"],
            booking_id=item["booking_id"]["S"],
            points=int(item["points"]["N"]),
            status=TransactionStatus(item["status"]["S"]),
            created_at=item["created_at"]["S"],
            expires_at=int(item["expires_at"]["N"]),
            fake=bool(item.get("fake", {}).get("BOOL", False)),
            payment_amount=int(payment_amount["N"]) if payment_amount else None,
            **{name: item[name]["S"] for name in _OPTIONAL_STRINGS if name in item},
        )
    except (KeyError, TypeError) as error:
        raise ValueError(
            f"transaction item is missing or has a mistyped attribute {error}"
        ) from None


def aggregate_to_item(aggregate: CustomerAggregate) -> dict[str, AttributeValueTypeDef]:
    """Encode a customer aggregate as a DynamoDB item (keys included)."""
    item: dict[str, AttributeValueTypeDef] = {
        **aggregate_key(aggregate.customer_id),
        "customer_id": {"S": aggregate.customer_id},
        "points": {"N": str(aggregate.points)},
        "tier": {"S": aggregate.tier.value},
        "version": {"N": str(aggregate.version)},
    }
    # Sequence numbers reach 40 digits, beyond a DynamoDB number's 38: stored as a string and
    # only ever compared in Python.
    if aggregate.applied_sequence is not None:
        item["applied_sequence"] = {"S": aggregate.applied_sequence}
    if aggregate.updated_at is not None:
        item["updated_at"] = {"S": aggregate.updated_at}
    return item


def aggregate_from_item(item: Mapping[str, Any]) -> CustomerAggregate:
    """Decode a DynamoDB item of a customer aggregate.

    Raises
    ------
    ValueError
        If a required attribute is missing or has the wrong type.
    """
    try:
        return CustomerAggregate(
            customer_id=item["customer_id"]["S"],
            points=int(item["points"]["N"]),
            tier=Tier(item["tier"]["S"]),
            applied_sequence=item.get("applied_sequence", {}).get("S"),
            version=int(item.get("version", {}).get("N", 0)),
            updated_at=item.get("updated_at", {}).get("S"),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"aggregate item is missing or has a mistyped attribute {error}") from None
