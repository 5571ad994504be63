"""Domain model and business rules; free of I/O."""

from __future__ import annotations

from loyalty.domain.aggregates import (
    CustomerAggregate,
    CustomerSummary,
    LedgerChange,
    fold_changes,
    image_value,
)
from loyalty.domain.clock import Clock, format_timestamp, parse_timestamp, utc_now
from loyalty.domain.earning import EarnRule, PointsPerMinorUnit, default_earn_rule
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, Tier, TierPolicy, remaining_points, tier_of
from loyalty.domain.transactions import (
    ExpiryPolicy,
    LoyaltyPolicy,
    Transaction,
    TransactionStatus,
    new_transaction_id,
)

__all__ = [
    "DEFAULT_TIER_POLICY",
    "Clock",
    "CustomerAggregate",
    "CustomerSummary",
    "EarnRule",
    "ExpiryPolicy",
    "LedgerChange",
    "LoyaltyPolicy",
    "PointsPerMinorUnit",
    "Tier",
    "TierPolicy",
    "Transaction",
    "TransactionStatus",
    "default_earn_rule",
    "fold_changes",
    "format_timestamp",
    "image_value",
    "new_transaction_id",
    "parse_timestamp",
    "remaining_points",
    "tier_of",
    "utc_now",
]
