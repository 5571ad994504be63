"""Lambda handler for ``GET /loyalty/{customerId}`` (API Gateway REST or HTTP API proxy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty.inbound.api_gateway import get_points_response
from loyalty.lambda_bootstrap import bootstrap

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

function = bootstrap("get-points", metrics=False)
repository = function.repository


@function.handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Return the caller's (or, for admins, any customer's) points, level and remaining points."""
    return get_points_response(
        event,
        repository,
        admin_group=function.settings.admin_group,
        tiers=function.settings.policy.tiers,
    )
