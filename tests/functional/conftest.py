from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from loyalty import DynamoDBLoyaltyRepository
from loyalty_sandbox.partiql import run_batch_statements_as_conditional_writes
from tests.support.aws import REGION, TABLE_NAME, RequestCounter, create_table

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("LOYALTY_TABLE_NAME", TABLE_NAME)
    # moto's PartiQL cannot run the aggregator's grouped writes; the sandbox's stand-in can.
    run_batch_statements_as_conditional_writes()
    with mock_aws():
        yield


@pytest.fixture
def dynamodb() -> DynamoDBClient:
    client = boto3.client("dynamodb", region_name=REGION)
    create_table(client)
    return client


@pytest.fixture
def requests(dynamodb: DynamoDBClient) -> RequestCounter:
    return RequestCounter(dynamodb)


@pytest.fixture
def repository(dynamodb: DynamoDBClient) -> DynamoDBLoyaltyRepository:
    return DynamoDBLoyaltyRepository(dynamodb, TABLE_NAME)
