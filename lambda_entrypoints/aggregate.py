"""Lambda handler for the ledger stream (DynamoDB Streams mapping, ReportBatchItemFailures)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

from loyalty.aggregate import AggregateCache, aggregate_stream_event
from loyalty.aws import dynamodb_client_config
from loyalty.config import Settings
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = Settings.from_environ()
logger = Logger(service="loyalty-aggregate", level=settings.log_level)
copy_config_to_registered_loggers(source_logger=logger, include={"loyalty"})
metrics = Metrics(namespace=settings.metrics_namespace, service="aggregate")
repository = DynamoDBLoyaltyRepository(
    boto3.client("dynamodb", config=dynamodb_client_config()), settings.table_name
)
# Last-known aggregates survive across invocations of this container: one write per customer.
cache = AggregateCache()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Fold one stream batch into the aggregates and return the partial-batch response."""
    result = aggregate_stream_event(event, repository, tiers=settings.policy.tiers, cache=cache)
    for name, count in result.counts.items():
        metrics.add_metric(name=f"Ledger_{name}", unit=MetricUnit.Count, value=count)
    return result.response()
