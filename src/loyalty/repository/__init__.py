"""Ledger storage: the repository interface, the DynamoDB adapter and an in-memory fake."""

from __future__ import annotations

from loyalty.repository.base import AggregateConflict, LoyaltyRepository, WriteOutcome
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
from loyalty.repository.memory import InMemoryLoyaltyRepository

__all__ = [
    "AggregateConflict",
    "DynamoDBLoyaltyRepository",
    "InMemoryLoyaltyRepository",
    "LoyaltyRepository",
    "WriteOutcome",
]
