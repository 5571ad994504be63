"""Lambda handler for ``GET /loyalty/{customerId}`` (API Gateway REST or HTTP API proxy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger

from loyalty.api import get_points_response
from loyalty.aws import dynamodb_client_config
from loyalty.config import Settings
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = Settings.from_environ()
logger = Logger(service="loyalty-get-points", level=settings.log_level)
repository = DynamoDBLoyaltyRepository(
    boto3.client("dynamodb", config=dynamodb_client_config()), settings.table_name
)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the caller's (or, for admins, any customer's) points, level and remaining points."""
    return get_points_response(
        event, repository, admin_group=settings.admin_group, tiers=settings.policy.tiers
    )
