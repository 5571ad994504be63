"""What every Lambda entrypoint builds once per execution environment, built in one place.

Settings from the environment (failing the cold start with the variable's name), a Powertools
logger that the library's loggers share, metrics where the function publishes them, and the AWS
clients the function uses, one of each per process.

Clients come from a botocore session, not boto3: ``import boto3`` also imports s3transfer (tens of
milliseconds of every cold start) for S3 helpers no function uses, and a boto3 client is the
botocore client anyway.
"""

from __future__ import annotations

from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from loyalty.errors import ConfigurationError
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository, dynamodb_client_config
from loyalty.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient

    from loyalty.outbound.tier_changed import SnsTierChangedPublisher

    Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

__all__ = ["LambdaBootstrap", "bootstrap"]


class LambdaBootstrap:
    """One function's configuration, logger, metrics (None if it publishes none) and clients."""

    def __init__(self, settings: Settings, logger: Logger, metrics: Metrics | None) -> None:
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
        # Region, credentials and endpoint come from the environment, as for boto3.client().
        self._session = botocore.session.Session()

    @cached_property
    def repository(self) -> DynamoDBLoyaltyRepository:
        """The ledger on one DynamoDB client configured for concurrent writes."""
        client = self._session.create_client("dynamodb", config=dynamodb_client_config())
        return DynamoDBLoyaltyRepository(cast("DynamoDBClient", client), self.settings.table_name)

    @cached_property
    def tier_changed_publisher(self) -> SnsTierChangedPublisher:
        """Publishes ``TierChanged`` to ``LOYALTY_EVENTS_TOPIC_ARN``.

        Raises
        ------
        loyalty.errors.ConfigurationError
            If the variable is not set.
        """
        from loyalty.outbound.tier_changed import SnsTierChangedPublisher

        topic = self.settings.events_topic_arn
        if topic is None:
            raise ConfigurationError(
                "LOYALTY_EVENTS_TOPIC_ARN is not set: name the SNS topic events are published to"
            )
        client = cast("SNSClient", self._session.create_client("sns"))
        return SnsTierChangedPublisher(client, topic)

    def handler(self, function: Handler) -> Handler:
        """Decorate a handler: Lambda context in its logs, metrics flushed after each call."""
        wrapped: Handler = self.logger.inject_lambda_context(function)
        if self.metrics is not None:
            wrapped = self.metrics.log_metrics(wrapped)
        logger = self.logger

        @wraps(function)
        def invoke(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            # The library's loggers format with the handler of the function bootstrapped last.
            # Alone in its process (on Lambda) that is this function; where functions share a
            # process (the local sandbox) these keys, kept per thread for the invocation, still
            # attribute the library's records to the function and invocation they belong to.
            logger.thread_safe_append_keys(
                service=logger.service, **build_lambda_context_model(context).__dict__
            )
            try:
                return wrapped(event, context)
            finally:
                logger.thread_safe_clear_keys()

        return invoke

    def count(self, prefix: str, counts: Mapping[str, int]) -> None:
        """Add one Count metric per entry, named ``{prefix}_{name}``."""
        if self.metrics is None:
            return
        from aws_lambda_powertools.metrics import MetricUnit

        for name, value in counts.items():
            self.metrics.add_metric(name=f"{prefix}_{name}", unit=MetricUnit.Count, value=value)


def bootstrap(function: str, *, metrics: bool) -> LambdaBootstrap:
    """Configure the function named ``function`` (``ingest``, ``aggregate``, ``get-points``...).

    Clients are built on first use: an entrypoint touches the ones it needs at import, so that
    the cold start (not the first request) pays for them.

    Raises
    ------
    loyalty.errors.ConfigurationError
        Naming the missing or invalid variable, so the cold start fails with the reason.
    """
    settings = Settings.from_environ()
    logger = Logger(service=f"loyalty-{function}", level=settings.log_level)
    # The library logs per record through the standard logging module: share the handler's
    # JSON formatting and Lambda context with it.
    copy_config_to_registered_loggers(source_logger=logger, include={"loyalty"})
    function_metrics = None
    if metrics:
        from aws_lambda_powertools import Metrics

        function_metrics = Metrics(namespace=settings.metrics_namespace, service=function)
    return LambdaBootstrap(settings, logger, function_metrics)
