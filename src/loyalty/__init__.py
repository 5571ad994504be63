"""loyalty-ledger: an airline loyalty-points ledger on AWS.

The public API: the domain model and policies, the booking event model and a helper to publish
valid events, the repository (DynamoDB adapter and in-memory fake), one function per use case
and every error (all subclasses of :class:`LoyaltyError`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalty._lazy import lazy_exports

__version__ = "0.1.0"
"""The package version; pyproject.toml reads it from here (the one place to change it)."""

# The one table of public names (name -> module). They are imported on first use (PEP 562), so a
# Lambda entrypoint that needs one module does not pay at cold start for loading every other one.
_EXPORTS = {
    "CustomerAggregate": "loyalty.domain.aggregates",
    "CustomerSummary": "loyalty.domain.aggregates",
    "Hold": "loyalty.domain.aggregates",
    "Lot": "loyalty.domain.aggregates",
    "DEFAULT_HOLD_TIMEOUT": "loyalty.domain.redemptions",
    "Redemption": "loyalty.domain.redemptions",
    "RedemptionStatus": "loyalty.domain.redemptions",
    "EarnRule": "loyalty.domain.earning",
    "PointsPerMinorUnit": "loyalty.domain.earning",
    "DEFAULT_TIER_POLICY": "loyalty.domain.tiers",
    "Tier": "loyalty.domain.tiers",
    "TierPolicy": "loyalty.domain.tiers",
    "remaining_points": "loyalty.domain.tiers",
    "tier_of": "loyalty.domain.tiers",
    "ExpiryPolicy": "loyalty.domain.transactions",
    "ExpiryRounding": "loyalty.domain.transactions",
    "LoyaltyPolicy": "loyalty.domain.transactions",
    "Transaction": "loyalty.domain.transactions",
    "TransactionStatus": "loyalty.domain.transactions",
    "AggregateConflict": "loyalty.errors",
    "AggregateWriteRefused": "loyalty.errors",
    "AggregateNotReady": "loyalty.errors",
    "HoldExpired": "loyalty.errors",
    "InsufficientPoints": "loyalty.errors",
    "RedemptionCancelled": "loyalty.errors",
    "RedemptionConflict": "loyalty.errors",
    "RedemptionNotFound": "loyalty.errors",
    "AmbiguousSourceQueue": "loyalty.errors",
    "ConfigurationError": "loyalty.errors",
    "FieldError": "loyalty.errors",
    "IngestInterrupted": "loyalty.errors",
    "InvalidBookingMessage": "loyalty.errors",
    "InvalidIdentifier": "loyalty.errors",
    "InvalidStreamRecord": "loyalty.errors",
    "LoyaltyError": "loyalty.errors",
    "RetriesExhausted": "loyalty.errors",
    "TransactionNotFound": "loyalty.errors",
    "get_points_response": "loyalty.inbound.api_gateway",
    "openapi_document": "loyalty.inbound.openapi",
    "redemption_response": "loyalty.inbound.redemption_requests",
    "PartialBatchResponse": "loyalty.inbound.batch_response",
    "Booking": "loyalty.inbound.booking",
    "BookingEvent": "loyalty.inbound.booking",
    "BookingStatus": "loyalty.inbound.booking",
    "Payment": "loyalty.inbound.booking",
    "validate_identifier": "loyalty.inbound.identifiers",
    "BookingMessage": "loyalty.inbound.sqs",
    "parse_booking_body": "loyalty.inbound.sqs",
    "parse_booking_line": "loyalty.inbound.sqs",
    "parse_sqs_record": "loyalty.inbound.sqs",
    "SnsBookingMessage": "loyalty.publishing",
    "booking_event": "loyalty.publishing",
    "build_sns_message": "loyalty.publishing",
    "AggregateSave": "loyalty.repository.base",
    "LoyaltyRepository": "loyalty.repository.base",
    "WriteOutcome": "loyalty.repository.base",
    "DynamoDBLoyaltyRepository": "loyalty.repository.dynamodb",
    "dynamodb_client_config": "loyalty.repository.dynamodb",
    "InMemoryLoyaltyRepository": "loyalty.repository.memory",
    "AggregateCache": "loyalty.services.aggregate",
    "AggregateResult": "loyalty.services.aggregate",
    "aggregate_stream_event": "loyalty.services.aggregate",
    "BackfillResult": "loyalty.services.backfill",
    "Drift": "loyalty.services.backfill",
    "backfill": "loyalty.services.backfill",
    "reconcile_customer": "loyalty.services.backfill",
    "issue_fake_traffic": "loyalty.services.fake_traffic",
    "IngestResult": "loyalty.services.ingest",
    "apply_booking": "loyalty.services.ingest",
    "ingest_lines": "loyalty.services.ingest",
    "ingest_messages": "loyalty.services.ingest",
    "ingest_sqs_event": "loyalty.services.ingest",
    "customer_ledger": "loyalty.services.read",
    "customer_overview": "loyalty.services.read",
    "customer_summary": "loyalty.services.read",
    "cancel": "loyalty.services.redemptions",
    "commit": "loyalty.services.redemptions",
    "get_redemption": "loyalty.services.redemptions",
    "list_redemptions": "loyalty.services.redemptions",
    "reserve": "loyalty.services.redemptions",
    "replay_dlq": "loyalty.services.replay",
    "revoke_booking": "loyalty.services.revoke",
    "Settings": "loyalty.settings",
    "TierChanged": "loyalty.domain.events",
    "InvalidEventMessage": "loyalty.errors",
    "InvalidMessage": "loyalty.errors",
    "SnsTierChangedPublisher": "loyalty.outbound.tier_changed",
    "TierChangedBody": "loyalty.outbound.tier_changed",
    "parse_tier_changed": "loyalty.outbound.tier_changed",
    "tier_changed_json_schema": "loyalty.outbound.tier_changed",
    "NotifyResult": "loyalty.services.notify",
    "notify_tier_changes": "loyalty.services.notify",
}

__all__ = ["__version__", *_EXPORTS]  # noqa: PLE0604 - the table above is the list

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    # For type checkers only, which cannot follow __getattr__: the same names, re-exported.
    # tests/unit/test_public_api.py checks that this mirror and the table agree.
    from loyalty.domain.aggregates import (
        CustomerAggregate as CustomerAggregate,
        CustomerSummary as CustomerSummary,
        Hold as Hold,
        Lot as Lot,
    )
    from loyalty.domain.earning import (
        EarnRule as EarnRule,
        PointsPerMinorUnit as PointsPerMinorUnit,
    )
    from loyalty.domain.events import (
        TierChanged as TierChanged,
    )
    from loyalty.domain.redemptions import (
        DEFAULT_HOLD_TIMEOUT as DEFAULT_HOLD_TIMEOUT,
        Redemption as Redemption,
        RedemptionStatus as RedemptionStatus,
    )
    from loyalty.domain.tiers import (
        DEFAULT_TIER_POLICY as DEFAULT_TIER_POLICY,
        Tier as Tier,
        TierPolicy as TierPolicy,
        remaining_points as remaining_points,
        tier_of as tier_of,
    )
    from loyalty.domain.transactions import (
        ExpiryPolicy as ExpiryPolicy,
        ExpiryRounding as ExpiryRounding,
        LoyaltyPolicy as LoyaltyPolicy,
        Transaction as Transaction,
        TransactionStatus as TransactionStatus,
    )
    from loyalty.errors import (
        AggregateConflict as AggregateConflict,
        AggregateNotReady as AggregateNotReady,
        AggregateWriteRefused as AggregateWriteRefused,
        AmbiguousSourceQueue as AmbiguousSourceQueue,
        ConfigurationError as ConfigurationError,
        FieldError as FieldError,
        HoldExpired as HoldExpired,
        IngestInterrupted as IngestInterrupted,
        InsufficientPoints as InsufficientPoints,
        InvalidBookingMessage as InvalidBookingMessage,
        InvalidEventMessage as InvalidEventMessage,
        InvalidIdentifier as InvalidIdentifier,
        InvalidMessage as InvalidMessage,
        InvalidStreamRecord as InvalidStreamRecord,
        LoyaltyError as LoyaltyError,
        RedemptionCancelled as RedemptionCancelled,
        RedemptionConflict as RedemptionConflict,
        RedemptionNotFound as RedemptionNotFound,
        RetriesExhausted as RetriesExhausted,
        TransactionNotFound as TransactionNotFound,
    )
    from loyalty.inbound.api_gateway import (
        get_points_response as get_points_response,
    )
    from loyalty.inbound.batch_response import (
        PartialBatchResponse as PartialBatchResponse,
    )
    from loyalty.inbound.booking import (
        Booking as Booking,
        BookingEvent as BookingEvent,
        BookingStatus as BookingStatus,
        Payment as Payment,
    )
    from loyalty.inbound.identifiers import (
        validate_identifier as validate_identifier,
    )
    from loyalty.inbound.openapi import (
        openapi_document as openapi_document,
    )
    from loyalty.inbound.redemption_requests import (
        redemption_response as redemption_response,
    )
    from loyalty.inbound.sqs import (
        BookingMessage as BookingMessage,
        parse_booking_body as parse_booking_body,
        parse_booking_line as parse_booking_line,
        parse_sqs_record as parse_sqs_record,
    )
    from loyalty.outbound.tier_changed import (
        SnsTierChangedPublisher as SnsTierChangedPublisher,
        TierChangedBody as TierChangedBody,
        parse_tier_changed as parse_tier_changed,
        tier_changed_json_schema as tier_changed_json_schema,
    )
    from loyalty.publishing import (
        SnsBookingMessage as SnsBookingMessage,
        booking_event as booking_event,
        build_sns_message as build_sns_message,
    )
    from loyalty.repository.base import (
        AggregateSave as AggregateSave,
        LoyaltyRepository as LoyaltyRepository,
        WriteOutcome as WriteOutcome,
    )
    from loyalty.repository.dynamodb import (
        DynamoDBLoyaltyRepository as DynamoDBLoyaltyRepository,
        dynamodb_client_config as dynamodb_client_config,
    )
    from loyalty.repository.memory import (
        InMemoryLoyaltyRepository as InMemoryLoyaltyRepository,
    )
    from loyalty.services.aggregate import (
        AggregateCache as AggregateCache,
        AggregateResult as AggregateResult,
        aggregate_stream_event as aggregate_stream_event,
    )
    from loyalty.services.backfill import (
        BackfillResult as BackfillResult,
        Drift as Drift,
        backfill as backfill,
        reconcile_customer as reconcile_customer,
    )
    from loyalty.services.fake_traffic import (
        issue_fake_traffic as issue_fake_traffic,
    )
    from loyalty.services.ingest import (
        IngestResult as IngestResult,
        apply_booking as apply_booking,
        ingest_lines as ingest_lines,
        ingest_messages as ingest_messages,
        ingest_sqs_event as ingest_sqs_event,
    )
    from loyalty.services.notify import (
        NotifyResult as NotifyResult,
        notify_tier_changes as notify_tier_changes,
    )
    from loyalty.services.read import (
        customer_ledger as customer_ledger,
        customer_overview as customer_overview,
        customer_summary as customer_summary,
    )
    from loyalty.services.redemptions import (
        cancel as cancel,
        commit as commit,
        get_redemption as get_redemption,
        list_redemptions as list_redemptions,
        reserve as reserve,
    )
    from loyalty.services.replay import (
        replay_dlq as replay_dlq,
    )
    from loyalty.services.revoke import (
        revoke_booking as revoke_booking,
    )
    from loyalty.settings import (
        Settings as Settings,
    )
