"""What ``loyalty replay-dlq`` checks before it moves messages, and how its SQS errors read.

SQS's "queue does not exist" does not say which queue; a replay touches two. And a message that
ingest would reject again only goes round the DLQ once more (and fires its alarm) if re-queued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_sqs import SQSClient

__all__ = ["QUEUE_ERROR_KEY", "ingest_rejection", "name_queues_in_errors"]

QUEUE_ERROR_KEY = "Queue"
"""Key of the queue (URL or name as passed) in a ClientError's ``response["Error"]``."""

_CONTEXT_KEY = "loyalty_queue"


def name_queues_in_errors(sqs: SQSClient) -> SQSClient:
    """Make every error of this client carry the queue its request was about; return the client.

    The queue (``QueueUrl`` or ``QueueName`` of the request) is added to the error under
    :data:`QUEUE_ERROR_KEY`, where :func:`loyalty_cli.errors.describe` finds it.
    """

    def remember(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        queue = params.get("QueueUrl") or params.get("QueueName")
        if queue:
            context[_CONTEXT_KEY] = queue

    def annotate(parsed: dict[str, Any], context: Mapping[str, Any], **_: Any) -> None:
        error = parsed.get("Error")
        if isinstance(error, dict) and _CONTEXT_KEY in context:
            error[QUEUE_ERROR_KEY] = context[_CONTEXT_KEY]

    events = sqs.meta.events
    events.register("before-parameter-build.sqs", remember)
    events.register("after-call.sqs", annotate)
    return sqs


def ingest_rejection(record: Mapping[str, Any]) -> str | None:
    """Why ingest would reject this SQS record (as Lambda delivers it), or None if it would not."""
    from loyalty.errors import InvalidBookingMessage
    from loyalty.inbound.sqs import parse_sqs_record

    try:
        parse_sqs_record(record)
    except InvalidBookingMessage as error:
        return str(error)
    return None
