"""The partial-batch response of SQS and DynamoDB Streams event source mappings, both ways."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "BatchItemFailure",
    "PartialBatchResponse",
    "failed_identifiers",
    "partial_batch_response",
]


class BatchItemFailure(TypedDict):
    """One failed record: its SQS message id or its stream sequence number."""

    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    """What a handler with ``ReportBatchItemFailures`` returns; an empty list is full success."""

    batchItemFailures: list[BatchItemFailure]


def partial_batch_response(failed: Iterable[str]) -> PartialBatchResponse:
    """The response reporting ``failed`` identifiers (in the order given)."""
    return {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in failed]}


def failed_identifiers(response: Any, identifiers: Sequence[str]) -> set[str]:
    """The identifiers a handler's response reports as failed, read as Lambda reads it.

    A missing or empty ``batchItemFailures`` is full success; an item without a valid
    ``itemIdentifier`` of this batch makes the whole batch a failure.
    """
    if not isinstance(response, dict) or not response.get("batchItemFailures"):
        return set()
    failures = response["batchItemFailures"]
    known = set(identifiers)
    failed: set[str] = set()
    for item in failures if isinstance(failures, list) else [None]:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in known:
            return known
        failed.add(identifier)
    return failed
