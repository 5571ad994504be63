"""AWS test helpers: the table as template.yaml declares it, and a request counter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from loyalty.testing import RequestCounter, create_ledger_table

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["REGION", "TABLE_NAME", "RequestCounter", "StreamReader", "create_table"]

TABLE_NAME = "loyalty-test"
REGION = "eu-west-1"


def create_table(client: DynamoDBClient, name: str = TABLE_NAME) -> str:
    """Create the suite's table; return the stream ARN."""
    return create_ledger_table(client, name)


class StreamReader:
    """Reads moto's stream from where it last stopped and shapes records as Lambda does."""

    def __init__(self, dynamodb: DynamoDBClient) -> None:
        # boto3 resolves account-id endpoints ({account}.streams-ddb...) for stream ARNs, which
        # moto's in-process URL patterns do not match; the regional endpoint works.
        self.client = boto3.client(
            "dynamodbstreams",
            region_name=REGION,
            config=Config(account_id_endpoint_mode="disabled"),
        )
        arn = dynamodb.describe_table(TableName=TABLE_NAME)["Table"]["LatestStreamArn"]
        shard = self.client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        self.arn = arn
        self.iterator = self.client.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def next_event(self) -> dict[str, Any]:
        response = self.client.get_records(ShardIterator=self.iterator)
        self.iterator = response["NextShardIterator"]
        records = []
        for record in response["Records"]:
            shaped: dict[str, Any] = {**record, "eventSourceARN": self.arn}
            shaped["dynamodb"] = {
                **record["dynamodb"],
                "ApproximateCreationDateTime": record["dynamodb"][
                    "ApproximateCreationDateTime"
                ].timestamp(),
            }
            records.append(shaped)
        return {"Records": records}
