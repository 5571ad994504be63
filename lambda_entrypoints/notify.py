"""Lambda handler for aggregate writes on the table's stream: publishes ``TierChanged`` to SNS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty.lambda_bootstrap import bootstrap
from loyalty.services.notify import notify_tier_changes

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

function = bootstrap("notify", metrics=True)
publish = function.tier_changed_publisher


@function.handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Publish the tier changes of one stream batch and return the partial-batch response."""
    result = notify_tier_changes(event, publish)
    function.count("Events", result.counts)
    return dict(result.response())
