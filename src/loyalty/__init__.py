"""loyalty-ledger: an airline loyalty-points ledger on AWS.

The public API: the domain model and policies, the booking event model and a helper to publish
valid events, the repository (DynamoDB adapter and in-memory fake) and the ingest function.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loyalty.aggregate import (
        AggregateCache,
        AggregateResult,
        aggregate_stream_event,
    )
    from loyalty.api import (
        get_points_response,
    )
    from loyalty.config import (
        ConfigurationError,
        Settings,
    )
    from loyalty.domain import (
        DEFAULT_TIER_POLICY,
        CustomerAggregate,
        CustomerSummary,
        EarnRule,
        ExpiryPolicy,
        LoyaltyPolicy,
        PointsPerMinorUnit,
        Tier,
        TierPolicy,
        Transaction,
        TransactionStatus,
        remaining_points,
        tier_of,
    )
    from loyalty.events import (
        Booking,
        BookingEvent,
        BookingMessage,
        BookingStatus,
        FieldError,
        InvalidBookingMessage,
        Payment,
        parse_booking_body,
        parse_sqs_record,
    )
    from loyalty.ingest import (
        IngestResult,
        apply_booking,
        ingest_sqs_event,
    )
    from loyalty.publishing import (
        SnsBookingMessage,
        booking_event,
        build_sns_message,
    )
    from loyalty.repository import (
        AggregateConflict,
        DynamoDBLoyaltyRepository,
        InMemoryLoyaltyRepository,
        LoyaltyRepository,
        WriteOutcome,
    )

__version__ = "0.1.0"

# Public names are imported on first use (PEP 562): a Lambda entrypoint that needs one module
# does not pay at cold start for loading every other one (the pydantic event models above all).
_EXPORTS = {
    "DEFAULT_TIER_POLICY": "loyalty.domain",
    "AggregateCache": "loyalty.aggregate",
    "AggregateConflict": "loyalty.repository",
    "AggregateResult": "loyalty.aggregate",
    "Booking": "loyalty.events",
    "BookingEvent": "loyalty.events",
    "BookingMessage": "loyalty.events",
    "BookingStatus": "loyalty.events",
    "ConfigurationError": "loyalty.config",
    "CustomerAggregate": "loyalty.domain",
    "CustomerSummary": "loyalty.domain",
    "DynamoDBLoyaltyRepository": "loyalty.repository",
    "EarnRule": "loyalty.domain",
    "ExpiryPolicy": "loyalty.domain",
    "FieldError": "loyalty.events",
    "InMemoryLoyaltyRepository": "loyalty.repository",
    "IngestResult": "loyalty.ingest",
    "InvalidBookingMessage": "loyalty.events",
    "LoyaltyPolicy": "loyalty.domain",
    "LoyaltyRepository": "loyalty.repository",
    "Payment": "loyalty.events",
    "PointsPerMinorUnit": "loyalty.domain",
    "Settings": "loyalty.config",
    "SnsBookingMessage": "loyalty.publishing",
    "Tier": "loyalty.domain",
    "TierPolicy": "loyalty.domain",
    "Transaction": "loyalty.domain",
    "TransactionStatus": "loyalty.domain",
    "WriteOutcome": "loyalty.repository",
    "aggregate_stream_event": "loyalty.aggregate",
    "apply_booking": "loyalty.ingest",
    "booking_event": "loyalty.publishing",
    "build_sns_message": "loyalty.publishing",
    "get_points_response": "loyalty.api",
    "ingest_sqs_event": "loyalty.ingest",
    "parse_booking_body": "loyalty.events",
    "parse_sqs_record": "loyalty.events",
    "remaining_points": "loyalty.domain",
    "tier_of": "loyalty.domain",
}

__all__ = [
    "DEFAULT_TIER_POLICY",
    "AggregateCache",
    "AggregateConflict",
    "AggregateResult",
    "Booking",
    "BookingEvent",
    "BookingMessage",
    "BookingStatus",
    "ConfigurationError",
    "CustomerAggregate",
    "CustomerSummary",
    "DynamoDBLoyaltyRepository",
    "EarnRule",
    "ExpiryPolicy",
    "FieldError",
    "InMemoryLoyaltyRepository",
    "IngestResult",
    "InvalidBookingMessage",
    "LoyaltyPolicy",
    "LoyaltyRepository",
    "Payment",
    "PointsPerMinorUnit",
    "Settings",
    "SnsBookingMessage",
    "Tier",
    "TierPolicy",
    "Transaction",
    "TransactionStatus",
    "WriteOutcome",
    "__version__",
    "aggregate_stream_event",
    "apply_booking",
    "booking_event",
    "build_sns_message",
    "get_points_response",
    "ingest_sqs_event",
    "parse_booking_body",
    "parse_sqs_record",
    "remaining_points",
    "tier_of",
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
