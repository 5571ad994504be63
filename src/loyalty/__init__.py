"""loyalty-ledger: an airline loyalty-points ledger on AWS.

The public API: the domain model and policies, the booking event model and a helper to publish
valid events, the repository (DynamoDB adapter and in-memory fake) and the ingest function.
"""

from __future__ import annotations

from loyalty.aggregate import AggregateCache, AggregateResult, aggregate_stream_event
from loyalty.api import get_points_response
from loyalty.config import ConfigurationError, Settings
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
from loyalty.ingest import IngestResult, apply_booking, ingest_sqs_event
from loyalty.publishing import SnsBookingMessage, booking_event, build_sns_message
from loyalty.repository import (
    AggregateConflict,
    DynamoDBLoyaltyRepository,
    InMemoryLoyaltyRepository,
    LoyaltyRepository,
    WriteOutcome,
)

__version__ = "0.1.0"

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
