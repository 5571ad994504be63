"""Lambda handler for the ingest queue (SQS event source mapping, ReportBatchItemFailures)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty.lambda_bootstrap import bootstrap
from loyalty.services.ingest import ingest_sqs_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

function = bootstrap("ingest", metrics=True)
repository = function.repository


@function.handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Ingest one SQS batch and return the partial-batch response."""
    result = ingest_sqs_event(event, repository, policy=function.settings.policy)
    function.count("Bookings", result.outcomes)
    return dict(result.response())
