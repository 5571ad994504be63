"""Lambda handler for the ingest queue (SQS event source mapping, ReportBatchItemFailures)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

from loyalty.aws import dynamodb_client_config
from loyalty.config import Settings
from loyalty.ingest import ingest_sqs_event
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = Settings.from_environ()
logger = Logger(service="loyalty-ingest", level=settings.log_level)
copy_config_to_registered_loggers(source_logger=logger, include={"loyalty"})
metrics = Metrics(namespace=settings.metrics_namespace, service="ingest")
repository = DynamoDBLoyaltyRepository(
    boto3.client("dynamodb", config=dynamodb_client_config()), settings.table_name
)


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Ingest one SQS batch and return the partial-batch response."""
    result = ingest_sqs_event(event, repository, policy=settings.policy)
    for outcome, count in result.outcomes.items():
        metrics.add_metric(name=f"Bookings_{outcome}", unit=MetricUnit.Count, value=count)
    return result.response()
