"""Notify: aggregate writes in from the table's stream, ``TierChanged`` events out.

Every aggregate write that changed the stored tier publishes one event; the others publish
nothing. A redelivered record publishes its event again with the same id (subscribers
de-duplicate on ``eventId``), so at-least-once delivery of the stream becomes at-least-once
publication of each change, never a different id for the same change.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loyalty.domain.events import tier_change
from loyalty.inbound.batch_response import PartialBatchResponse, partial_batch_response
from loyalty.inbound.streams import aggregate_write_of

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from loyalty.domain.events import TierChanged

__all__ = ["NotifyResult", "notify_tier_changes"]

_logger = logging.getLogger(__name__)


@dataclass(slots=True)
class NotifyResult:
    """What a stream batch published, and the record to retry from (if any)."""

    counts: Counter[str] = field(default_factory=Counter)
    published: list[TierChanged] = field(default_factory=list)
    failed_sequence_number: str | None = None

    def response(self) -> PartialBatchResponse:
        """The Lambda partial-batch response: Lambda retries from the failed record on."""
        failed = [] if self.failed_sequence_number is None else [self.failed_sequence_number]
        return partial_batch_response(failed)


def notify_tier_changes(
    event: Mapping[str, Any], publish: Callable[[TierChanged], None]
) -> NotifyResult:
    """Publish a ``TierChanged`` for every aggregate write in a stream batch that changed a tier.

    Records are handled in stream order. The first one that cannot be read or published is
    reported, and nothing after it is published in this invocation: Lambda retries from that
    record (later ones included), so each customer's events keep their order.

    Parameters
    ----------
    event
        The Lambda event: ``{"Records": [...]}`` from a DynamoDB Streams event source mapping.
    publish
        Sends one event (e.g. :class:`~loyalty.outbound.tier_changed.SnsTierChangedPublisher`).
    """
    records = event.get("Records")
    if not isinstance(records, list):
        raise ValueError("not a DynamoDB Streams event: 'Records' is missing or not a list")
    result = NotifyResult()
    for record in records:
        result.counts["records"] += 1
        sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
        try:
            write = aggregate_write_of(record)
            if write is None:
                result.counts["skipped"] += 1
                continue
            change = tier_change(write.before, write.after, occurred_at=write.written_at)
            if change is None:
                result.counts["unchanged"] += 1
                continue
            publish(change)
        except Exception as error:  # an unreadable record (InvalidStreamRecord) or a failed publish
            _logger.error("cannot notify record %s, Lambda will retry from it: %s", sequence, error)
            result.counts["failed"] += 1
            # An empty identifier is invalid to Lambda, which then retries the whole batch.
            result.failed_sequence_number = sequence
            break
        _logger.info(
            "tier changed",
            extra={
                "customer_id": change.customer_id,
                "from": change.from_tier.value,
                "to": change.to_tier.value,
                "event_id": change.event_id,
            },
        )
        result.counts["published"] += 1
        result.published.append(change)
    return result
