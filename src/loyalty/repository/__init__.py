"""Ledger storage: the repository interface, the DynamoDB adapter and an in-memory fake."""

from __future__ import annotations

from loyalty.repository.base import LoyaltyRepository, WriteOutcome
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
from loyalty.repository.memory import InMemoryLoyaltyRepository

__all__ = [
    "DynamoDBLoyaltyRepository",
    "InMemoryLoyaltyRepository",
    "LoyaltyRepository",
    "WriteOutcome",
]
