"""Aggregate: DynamoDB Streams batches of ledger changes in, one write per customer out.

Exactly-once under Lambda's stream semantics (decision 0003): each aggregate stores the highest
sequence number it has applied; a batch applies only the records above it, so redelivery after a
partial failure, a bisected batch or a re-run after a timeout never counts a record twice.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from loyalty.domain.aggregates import (
    CustomerAggregate,
    FoldResult,
    LedgerChange,
    fold_changes,
    proves_applied_history,
)
from loyalty.domain.clock import Clock, utc_now
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.errors import AggregateConflict, InvalidStreamRecord, RetriesExhausted
from loyalty.inbound.batch_response import PartialBatchResponse, partial_batch_response
from loyalty.inbound.streams import ledger_change_of
from loyalty.repository.base import AggregateSave

if TYPE_CHECKING:
    from collections.abc import Mapping
    from concurrent.futures import Executor

    from loyalty.repository.base import LoyaltyRepository

__all__ = ["AggregateCache", "AggregateResult", "aggregate_stream_event"]

MAX_CONFLICT_RETRIES = 5
_logger = logging.getLogger("loyalty.services.aggregate")


class AggregateCache:
    """The last aggregate this process wrote or read per customer (bounded, least recent evicted).

    A cached aggregate is never ahead of the stored one (high-water marks only grow), so it is a
    safe first guess: a stale guess costs one failed conditional write that returns the stored
    aggregate, never a wrong result.
    """

    def __init__(self, max_customers: int = 10_000) -> None:
        self._max = max_customers
        self._entries: OrderedDict[str, CustomerAggregate] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, customer_id: str) -> CustomerAggregate | None:
        with self._lock:
            aggregate = self._entries.get(customer_id)
            if aggregate is not None:
                self._entries.move_to_end(customer_id)
            return aggregate

    def put(self, aggregate: CustomerAggregate) -> None:
        with self._lock:
            self._entries[aggregate.customer_id] = aggregate
            self._entries.move_to_end(aggregate.customer_id)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


# A cached aggregate belongs to one table: the default cache is kept per repository, never
# shared by two (two in-memory ledgers, or two tables, have customers of the same id).
_default_caches: WeakKeyDictionary[LoyaltyRepository, AggregateCache] = WeakKeyDictionary()
_default_caches_lock = threading.Lock()


def _default_cache(repository: LoyaltyRepository) -> AggregateCache:
    with _default_caches_lock:
        cache = _default_caches.get(repository)
        if cache is None:
            cache = _default_caches[repository] = AggregateCache()
        return cache


@dataclass(slots=True)
class AggregateResult:
    """What a stream batch did, and the sequence numbers to report as failed."""

    counts: Counter[str] = field(default_factory=Counter)
    failed_sequence_numbers: list[str] = field(default_factory=list)

    def response(self) -> PartialBatchResponse:
        """The Lambda partial-batch response for a stream event source mapping."""
        return partial_batch_response(self.failed_sequence_numbers)


@dataclass(frozen=True, slots=True)
class _CustomerOutcome:
    applied: int
    skipped: int
    written: bool
    clamped: bool = False
    expired: int = 0
    removed: int = 0
    aggregate_missing: bool = False


def _write_customers(
    by_customer: dict[str, list[LedgerChange]],
    stored: dict[str, CustomerAggregate],
    *,
    repository: LoyaltyRepository,
    cache: AggregateCache,
    tiers: TierPolicy,
    now: Clock,
    executor: Executor | None,
) -> dict[str, _CustomerOutcome | Exception]:
    """Fold each customer's changes and write them all at once; redo the conflicted ones."""
    outcomes: dict[str, _CustomerOutcome | Exception] = {}
    current: dict[str, CustomerAggregate | None] = {c: stored.get(c) for c in by_customer}
    # An aggregate is never deleted by the service: one that is gone was lost (deleted by hand,
    # restored from an older backup), and this batch can only add its own changes to nothing.
    missing = {
        c: current[c] is None and proves_applied_history(changes)
        for c, changes in by_customer.items()
    }
    pending = list(by_customer)
    for _ in range(MAX_CONFLICT_RETRIES):
        at = now()
        folds: dict[str, FoldResult] = {}
        for customer_id in pending:
            changes = by_customer[customer_id]
            folded = fold_changes(current[customer_id], customer_id, changes, tiers=tiers, at=at)
            if folded is None:
                outcomes[customer_id] = _CustomerOutcome(0, len(changes), written=False)
            else:
                folds[customer_id] = folded
        writes = [AggregateSave(f.aggregate, current[c]) for c, f in folds.items()]
        failures = repository.save_aggregates(writes, executor=executor) if writes else {}
        pending = []
        for customer_id, folded in folds.items():
            failure = failures.get(customer_id)
            if isinstance(failure, AggregateConflict):
                was = current[customer_id]
                missing[customer_id] |= was is not None and failure.current is None
                current[customer_id] = failure.current
                pending.append(customer_id)
            elif failure is not None:
                outcomes[customer_id] = failure
            else:
                cache.put(folded.aggregate)
                outcomes[customer_id] = _CustomerOutcome(
                    folded.applied,
                    folded.skipped,
                    written=True,
                    clamped=folded.clamped,
                    expired=folded.expired,
                    removed=folded.removed,
                    aggregate_missing=missing[customer_id],
                )
        if not pending:
            break
    for customer_id in pending:
        outcomes[customer_id] = RetriesExhausted(
            f"aggregate of {customer_id} kept changing under {MAX_CONFLICT_RETRIES} attempts"
        )
    return outcomes


def aggregate_stream_event(
    event: Mapping[str, Any],
    repository: LoyaltyRepository,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
    cache: AggregateCache | None = None,
    executor: Executor | None = None,
) -> AggregateResult:
    """Fold a Lambda DynamoDB Streams event into the customers' aggregates.

    Records of items other than transactions are skipped. Each customer's records are folded
    into their lots (the delta rule per lot, lots expired at ``now`` pruned) and written with one
    conditional write per customer, all customers at once (``save_aggregates``: in DynamoDB, 25
    per request, decision 0011). A customer whose write conflicts is folded again onto the
    aggregate stored now and written again. If a customer's write fails, that customer's earliest record in the batch is
    reported as failed, so Lambda retries from there; other customers are unaffected, and their
    redelivered records are recognised as applied.

    Parameters
    ----------
    event
        The Lambda event: ``{"Records": [...]}`` from a DynamoDB stream event source mapping.
    repository
        Where the aggregates live.
    tiers
        Tier thresholds the stored tier is computed with.
    now
        The clock: the instant lots expire against (injectable for tests).
    cache
        Last-known aggregates; defaults to one kept across calls for ``repository``.
    executor
        Runs the write requests concurrently; defaults to the process-wide pool.

    Returns
    -------
    AggregateResult
        Counts; ``result.response()`` is the Lambda partial-batch response.
    """
    result = AggregateResult()
    by_customer: dict[str, list[LedgerChange]] = {}
    first_sequence: dict[str, str] = {}
    records = event.get("Records")
    if not isinstance(records, list):
        raise ValueError("not a DynamoDB Streams event: 'Records' is missing or not a list")
    for record in records:
        result.counts["records"] += 1
        try:
            change = ledger_change_of(record)
        except InvalidStreamRecord as error:
            sequence = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
            _logger.error("unreadable stream record %s: %s", sequence, error)
            result.counts["invalid"] += 1
            if sequence:
                result.failed_sequence_numbers.append(sequence)
            continue
        if change is None:
            result.counts["skipped"] += 1
            continue
        by_customer.setdefault(change.customer_id, []).append(change)
        first_sequence.setdefault(change.customer_id, change.sequence_number)

    use_cache = cache if cache is not None else _default_cache(repository)
    known = {c: a for c in by_customer if (a := use_cache.get(c)) is not None}
    uncached = [c for c in by_customer if c not in known]
    if uncached:
        # One round trip for every customer this container has not seen, not one read each.
        known |= repository.get_aggregates(uncached)

    outcomes = _write_customers(
        by_customer,
        known,
        repository=repository,
        cache=use_cache,
        tiers=tiers,
        now=now,
        executor=executor,
    )
    for customer_id in by_customer:
        outcome = outcomes[customer_id]
        if isinstance(outcome, Exception):
            _logger.error(
                "aggregate write failed, Lambda will retry from record %s: %s",
                first_sequence[customer_id],
                outcome,
                extra={"customer_id": customer_id},
                exc_info=outcome,
            )
            result.counts["failed_customers"] += 1
            result.failed_sequence_numbers.append(first_sequence[customer_id])
            continue
        result.counts["applied"] += outcome.applied
        result.counts["duplicates"] += outcome.skipped
        result.counts["aggregate_writes"] += int(outcome.written)
        if outcome.expired:
            # The points had already stopped counting at their lot's expiry.
            result.counts["expired"] += outcome.expired
            _logger.info(
                "expired transactions removed from the ledger",
                extra={"customer_id": customer_id, "transactions": outcome.expired},
            )
        if outcome.removed:
            result.counts["removed_unexpired"] += outcome.removed
            _logger.warning(
                "transactions removed before their lot expired: their points were taken out",
                extra={"customer_id": customer_id, "transactions": outcome.removed},
            )
        if outcome.aggregate_missing:
            result.counts["missing_aggregates"] += 1
            _logger.error(
                "aggregate of %s was missing although the stream shows earlier changes of its "
                "ledger (the aggregate was deleted or restored from an older copy, or records "
                "were parked on the failure queue): it now holds only this batch's changes; "
                "repair with `loyalty backfill --customer %s`",
                customer_id,
                customer_id,
                extra={"customer_id": customer_id},
            )
        if outcome.clamped:
            result.counts["clamped"] += 1
            _logger.error(
                "balance would have gone negative and was clamped to 0: stream records were "
                "lost before aggregation; reconcile with `loyalty backfill`",
                extra={"customer_id": customer_id},
            )
    return result
