"""Lambda handler for the ledger stream (DynamoDB Streams mapping, ReportBatchItemFailures)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty.lambda_bootstrap import bootstrap
from loyalty.services.aggregate import AggregateCache, aggregate_stream_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

function = bootstrap("aggregate", metrics=True)
repository = function.repository
# Last-known aggregates survive across invocations of this container: one write per customer.
cache = AggregateCache()


@function.handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Fold one stream batch into the aggregates and return the partial-batch response."""
    result = aggregate_stream_event(
        event, repository, tiers=function.settings.policy.tiers, cache=cache
    )
    function.count("Ledger", result.counts)
    return dict(result.response())
