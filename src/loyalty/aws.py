"""boto3 client configuration shared by the Lambda entrypoints and the CLI."""

from __future__ import annotations

from botocore.config import Config

from loyalty.concurrency import MAX_CONCURRENT_WRITES

__all__ = ["dynamodb_client_config"]


def dynamodb_client_config() -> Config:
    """Client settings for the ledger's DynamoDB client.

    A connection per concurrent write (so the thread pool is not throttled by urllib3's pool), and
    botocore's ``standard`` retry mode, which backs off on throttling with jitter.
    """
    return Config(
        max_pool_connections=MAX_CONCURRENT_WRITES,
        retries={"mode": "standard", "max_attempts": 5},
    )
