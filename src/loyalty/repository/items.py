"""The single-table key schema and the DynamoDB item codec (docs/decisions/0001)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty.domain.aggregates import CustomerAggregate, Hold, LedgerImage, Lot
from loyalty.domain.redemptions import Redemption, RedemptionStatus
from loyalty.domain.tiers import Tier
from loyalty.domain.transactions import Transaction, TransactionStatus
from loyalty.errors import UnreadableItem

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

__all__ = [
    "AGGREGATE_PREFIX",
    "AGGREGATE_SORT_KEY",
    "BOOKING_PREFIX",
    "REDEMPTION_PREFIX",
    "TRANSACTION_PREFIX",
    "aggregate_from_item",
    "aggregate_key",
    "aggregate_to_item",
    "ledger_image_of",
    "redemption_from_item",
    "redemption_key",
    "redemption_to_item",
    "transaction_from_item",
    "transaction_key",
    "transaction_to_item",
]

TRANSACTION_PREFIX = "TXN#"
BOOKING_PREFIX = "BOOKING#"
REDEMPTION_PREFIX = "REDEEM#"
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


def _item_key(item: Mapping[str, Any]) -> str:
    parts = [item.get(name) for name in ("pk", "sk")]
    return " / ".join(
        part["S"] if isinstance(part, dict) and isinstance(part.get("S"), str) else "?"
        for part in parts
    )


def _string(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    if not isinstance(value, dict) or not isinstance(value.get("S"), str):
        raise UnreadableItem(_item_key(item), f"attribute {name!r} is missing or not a string")
    text: str = value["S"]
    return text


def _integer(item: Mapping[str, Any], name: str) -> int:
    value = item.get(name)
    raw = value.get("N") if isinstance(value, dict) else None
    if not isinstance(raw, str):
        raise UnreadableItem(_item_key(item), f"attribute {name!r} is missing or not a number")
    try:
        return int(raw)
    except ValueError:
        # DynamoDB keeps a number as written: 10.0 from a float earn rule is not 10.
        raise UnreadableItem(
            _item_key(item), f"attribute {name!r} is not an integer (got {raw!r})"
        ) from None


def transaction_key(customer_id: str, booking_id: str) -> dict[str, AttributeValueTypeDef]:
    """Primary key of a booking's transaction: ``TXN#{customer}`` / ``BOOKING#{booking}``."""
    return {
        "pk": {"S": f"{TRANSACTION_PREFIX}{customer_id}"},
        "sk": {"S": f"{BOOKING_PREFIX}{booking_id}"},
    }


def redemption_key(customer_id: str, redemption_id: str) -> dict[str, AttributeValueTypeDef]:
    """Primary key of a redemption: ``TXN#{customer}`` / ``REDEEM#{redemption}``."""
    return {
        "pk": {"S": f"{TRANSACTION_PREFIX}{customer_id}"},
        "sk": {"S": f"{REDEMPTION_PREFIX}{redemption_id}"},
    }


def _allocation_to_map(allocation: tuple[tuple[int, int], ...]) -> AttributeValueTypeDef:
    return {"M": {str(expiry): {"N": str(points)} for expiry, points in allocation}}


def _allocation_from_map(attribute: Mapping[str, Any]) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((int(expiry), int(value["N"])) for expiry, value in attribute["M"].items()))


def redemption_to_item(redemption: Redemption) -> dict[str, AttributeValueTypeDef]:
    """Encode a redemption as a DynamoDB item (keys included); its allocation is a map from lot
    expiry (epoch seconds, as the key) to points."""
    return {
        **redemption_key(redemption.customer_id, redemption.redemption_id),
        "customer_id": {"S": redemption.customer_id},
        "redemption_id": {"S": redemption.redemption_id},
        "points": {"N": str(redemption.points)},
        "status": {"S": redemption.status.value},
        "allocation": _allocation_to_map(redemption.allocation),
        "hold_expires_at": {"N": str(redemption.hold_expires_at)},
        "created_at": {"S": redemption.created_at},
        "updated_at": {"S": redemption.updated_at},
    }


def redemption_from_item(item: Mapping[str, Any]) -> Redemption:
    """Decode a DynamoDB item of a redemption.

    Raises
    ------
    UnreadableItem
        Naming the item's key and the attribute that is missing or has the wrong type or value.
    """
    status = _string(item, "status")
    if status not in {member.value for member in RedemptionStatus}:
        raise UnreadableItem(_item_key(item), f"attribute 'status' is unknown (got {status!r})")
    try:
        allocation = _allocation_from_map(item["allocation"])
    except (KeyError, TypeError, ValueError):
        raise UnreadableItem(
            _item_key(item), "attribute 'allocation' is not a map of numbers"
        ) from None
    return Redemption(
        customer_id=_string(item, "customer_id"),
        redemption_id=_string(item, "redemption_id"),
        points=_integer(item, "points"),
        status=RedemptionStatus(status),
        allocation=allocation,
        hold_expires_at=_integer(item, "hold_expires_at"),
        created_at=_string(item, "created_at"),
        updated_at=_string(item, "updated_at"),
    )


def aggregate_key(customer_id: str) -> dict[str, AttributeValueTypeDef]:
    """Primary key of a customer's aggregate: ``AGG#{customer}`` / ``AGG``."""
    return {"pk": {"S": f"{AGGREGATE_PREFIX}{customer_id}"}, "sk": {"S": AGGREGATE_SORT_KEY}}


def ledger_image_of(image: Mapping[str, Any] | None) -> LedgerImage | None:
    """What a stream image of a transaction item contributes: its lot and value.

    A missing image (the side of an INSERT or REMOVE that has none) is None; an image that is
    not ACTIVE contributes 0 points.

    Raises
    ------
    ValueError
        If an ACTIVE image has no valid non-negative ``points`` or no numeric ``expires_at``.
    """
    if image is None:
        return None
    raw_status = image.get("status", {}).get("S")
    changed_at = image.get("revoked_at", image.get("created_at", {})).get("S")
    status = TransactionStatus(raw_status) if raw_status in _STATUSES else None
    if status is None or not status.counts:
        expires_at = image.get("expires_at", {}).get("N")
        expiry = int(expires_at) if isinstance(expires_at, str) and expires_at.isdigit() else 0
        return LedgerImage(expiry, 0, changed_at)
    try:
        points = int(image["points"]["N"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{status.value} transaction image has no numeric 'points'") from None
    if points < 0:
        raise ValueError(f"{status.value} transaction image has negative points ({points})")
    try:
        expiry = int(image["expires_at"]["N"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{status.value} transaction image has no numeric 'expires_at'") from None
    return LedgerImage(expiry, points, changed_at)


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
    UnreadableItem
        Naming the item's key and the attribute that is missing or has the wrong type or value.
    """
    key = _item_key(item)
    status = _string(item, "status")
    if status not in {member.value for member in TransactionStatus}:
        raise UnreadableItem(key, f"attribute 'status' is unknown (got {status!r})")
    fake = item.get("fake", {"BOOL": False})
    if not isinstance(fake, dict) or not isinstance(fake.get("BOOL"), bool):
        raise UnreadableItem(key, "attribute 'fake' is not a boolean")
    points = _integer(item, "points")
    if points < 0:
        raise UnreadableItem(key, f"attribute 'points' is negative (got {points})")
    return Transaction(
        transaction_id=_string(item, "transaction_id"),
        customer_id=_string(item, "customer_id"),
        booking_id=_string(item, "booking_id"),
        points=points,
        status=TransactionStatus(status),
        created_at=_string(item, "created_at"),
        expires_at=_integer(item, "expires_at"),
        fake=fake["BOOL"],
        payment_amount=_integer(item, "payment_amount") if "payment_amount" in item else None,
        **{name: _string(item, name) for name in _OPTIONAL_STRINGS if name in item},
    )


def aggregate_to_item(aggregate: CustomerAggregate) -> dict[str, AttributeValueTypeDef]:
    """Encode a customer aggregate as a DynamoDB item (keys included).

    The lots are a map from expiry (epoch seconds, as the key) to ``{"e": earned, "r":
    remaining}``: one-letter names, since a daily flyer's item holds hundreds of lots (decision
    0007). A v1 aggregate (no lots) is written without ``lots``, as v1 wrote it. ``arrears`` and
    ``holds`` (a map from redemption id to ``{"p": points, "u": held until, "a": allocation}``)
    are written only when there are any (decision 0013).
    """
    item: dict[str, AttributeValueTypeDef] = {
        **aggregate_key(aggregate.customer_id),
        "customer_id": {"S": aggregate.customer_id},
        "points": {"N": str(aggregate.points)},
        "tier": {"S": aggregate.tier.value},
        "version": {"N": str(aggregate.version)},
    }
    if aggregate.lots is not None:
        item["lots"] = {
            "M": {
                str(lot.expires_at): {
                    "M": {"e": {"N": str(lot.earned)}, "r": {"N": str(lot.remaining)}}
                }
                for lot in aggregate.lots
            }
        }
        item["qualifying_points"] = {"N": str(aggregate.qualifying_points)}
    if aggregate.arrears:
        item["arrears"] = {"N": str(aggregate.arrears)}
    if aggregate.holds:
        item["holds"] = {
            "M": {
                hold.redemption_id: {
                    "M": {
                        "p": {"N": str(hold.points)},
                        "u": {"N": str(hold.held_until)},
                        "a": _allocation_to_map(hold.allocation),
                    }
                }
                for hold in aggregate.holds
            }
        }
    # Sequence numbers reach 40 digits, beyond a DynamoDB number's 38: stored as a string and
    # only ever compared in Python.
    if aggregate.applied_sequence is not None:
        item["applied_sequence"] = {"S": aggregate.applied_sequence}
    if aggregate.applied_change_at is not None:
        item["applied_change_at"] = {"S": aggregate.applied_change_at}
    if aggregate.updated_at is not None:
        item["updated_at"] = {"S": aggregate.updated_at}
    return item


def _lots_from(attribute: Mapping[str, Any] | None) -> tuple[Lot, ...] | None:
    if attribute is None:
        return None
    lots = [
        Lot(int(expiry), int(value["M"]["e"]["N"]), int(value["M"]["r"]["N"]))
        for expiry, value in attribute["M"].items()
    ]
    return tuple(sorted(lots, key=lambda lot: lot.expires_at))


def _holds_from(attribute: Mapping[str, Any] | None) -> tuple[Hold, ...]:
    if attribute is None:
        return ()
    holds = [
        Hold(
            redemption_id,
            int(value["M"]["p"]["N"]),
            int(value["M"]["u"]["N"]),
            _allocation_from_map(value["M"]["a"]),
        )
        for redemption_id, value in attribute["M"].items()
    ]
    return tuple(sorted(holds, key=lambda hold: (hold.held_until, hold.redemption_id)))


def aggregate_from_item(item: Mapping[str, Any]) -> CustomerAggregate:
    """Decode a DynamoDB item of a customer aggregate, v1 (no ``lots``) or with lots (and holds).

    Raises
    ------
    ValueError
        If a required attribute is missing or has the wrong type.
    """
    try:
        points = int(item["points"]["N"])
        return CustomerAggregate(
            customer_id=item["customer_id"]["S"],
            points=points,
            tier=Tier(item["tier"]["S"]),
            lots=_lots_from(item.get("lots")),
            qualifying_points=int(item.get("qualifying_points", {}).get("N", points)),
            arrears=int(item.get("arrears", {}).get("N", 0)),
            holds=_holds_from(item.get("holds")),
            applied_sequence=item.get("applied_sequence", {}).get("S"),
            applied_change_at=item.get("applied_change_at", {}).get("S"),
            version=int(item.get("version", {}).get("N", 0)),
            updated_at=item.get("updated_at", {}).get("S"),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"aggregate item is missing or has a mistyped attribute {error}") from None
