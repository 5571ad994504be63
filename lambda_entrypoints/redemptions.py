"""Lambda handler for the redemption routes (API Gateway REST or HTTP API proxy).

``POST /loyalty/{customerId}/redemptions`` (reserve), ``.../redemptions/{redemptionId}/commit``
and ``.../redemptions/{redemptionId}/cancel``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty.inbound.redemption_requests import redemption_response
from loyalty.lambda_bootstrap import bootstrap

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

function = bootstrap("redemptions", metrics=False)
repository = function.repository


@function.handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Reserve, commit or cancel a redemption of the caller (or, for admins, any customer)."""
    return redemption_response(
        event,
        repository,
        admin_group=function.settings.admin_group,
        hold_timeout=function.settings.hold_timeout,
        tiers=function.settings.policy.tiers,
    )
