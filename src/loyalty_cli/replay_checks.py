"""How ``loyalty replay-dlq``'s SQS errors read: SQS's "queue does not exist" does not say which
queue, and a replay touches two."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_sqs import SQSClient

__all__ = ["QUEUE_ERROR_KEY", "name_queues_in_errors"]

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
