"""AWS test helpers: the table as template.yaml declares it, and a request counter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalty.testing import RequestCounter, create_ledger_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["REGION", "TABLE_NAME", "RequestCounter", "create_table"]

TABLE_NAME = "loyalty-test"
REGION = "eu-west-1"


def create_table(client: DynamoDBClient, name: str = TABLE_NAME) -> str:
    """Create the suite's table; return the stream ARN."""
    return create_ledger_table(client, name)
