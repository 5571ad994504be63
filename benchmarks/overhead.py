"""Figure 4: library overhead, records per second with I/O stubbed out, next to the floor.

The floor is what any consumer of these messages pays: ``json.loads`` of each body and pydantic
validation of the booking event (``BookingEvent.model_validate``), measured in the same run on
the same messages. The library runs against a repository stub whose every call returns at once,
through its default pool (the production path) and sequentially (:class:`InlineExecutor`).
The aggregate is set against the same per-record floor.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from benchmarks.common import Figure, InlineExecutor
from benchmarks.cost import booking_records, transaction_stream_event
from loyalty.aggregate import AggregateCache, aggregate_stream_event
from loyalty.events.booking import BookingEvent
from loyalty.ingest import ingest_sqs_event
from loyalty.repository.base import WriteOutcome
from tests.builders import sqs_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Executor

    from loyalty.domain.aggregates import CustomerAggregate
    from loyalty.domain.transactions import Transaction

__all__ = ["StubRepository", "overhead_figures"]

BATCH = 10
AGGREGATE_RECORDS = 100
AGGREGATE_CUSTOMERS = 50


class StubRepository:
    """The writes and reads ingest and aggregate make, answered at once (no I/O, no state)."""

    def record_transaction(self, transaction: Transaction) -> WriteOutcome:
        return WriteOutcome.CREATED

    def revoke_transaction(self, transaction: Transaction) -> WriteOutcome:
        return WriteOutcome.REVOKED

    def get_aggregate(self, customer_id: str) -> CustomerAggregate | None:
        return None

    def save_aggregate(
        self, aggregate: CustomerAggregate, expected: CustomerAggregate | None
    ) -> None:
        return None


def _records_per_second(run: Callable[[], object], records: int, seconds: float) -> float:
    run()
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        run()
        done += records
    return done / elapsed


def _floor(events: list[dict[str, Any]]) -> Callable[[], None]:
    bodies = [record["body"] for event in events for record in event["Records"]]

    def run() -> None:
        for body in bodies:
            data = json.loads(body)
            if data.get("Type") == "Notification":
                data = json.loads(data["Message"])
            BookingEvent.model_validate(data)

    return run


def _ingest(events: list[dict[str, Any]], executor: Executor | None) -> Callable[[], None]:
    repository: Any = StubRepository()

    def run() -> None:
        for event in events:
            ingest_sqs_event(event, repository, executor=executor)

    return run


def _aggregate(event: dict[str, Any], executor: Executor | None) -> Callable[[], None]:
    repository: Any = StubRepository()

    def run() -> None:
        # A fresh cache: every customer is read (from the stub) and written, the full path.
        aggregate_stream_event(event, repository, cache=AggregateCache(), executor=executor)

    return run


def overhead_figures(*, seconds: float = 1.0) -> Iterator[Figure]:
    """Figure 4 (``seconds`` of measurement per row)."""
    events = [sqs_event(*booking_records(BATCH)) for _ in range(10)]
    messages = BATCH * len(events)
    floor = _records_per_second(_floor(events), messages, seconds)
    yield Figure(
        "overhead", "floor: json.loads + BookingEvent.model_validate", floor, "rec/s",
        note="the same messages (SNS envelope unwrapped)",
    )  # fmt: skip
    stream = transaction_stream_event(AGGREGATE_RECORDS, AGGREGATE_CUSTOMERS, "overhead")
    runs = (
        (f"ingest, batches of {BATCH}, default pool", _ingest(events, None), messages),
        (f"ingest, batches of {BATCH}, sequential", _ingest(events, InlineExecutor()), messages),
        (
            f"aggregate {AGGREGATE_RECORDS} rec/{AGGREGATE_CUSTOMERS} cust, default pool",
            _aggregate(stream, None),
            AGGREGATE_RECORDS,
        ),
        (
            f"aggregate {AGGREGATE_RECORDS} rec/{AGGREGATE_CUSTOMERS} cust, sequential",
            _aggregate(stream, InlineExecutor()),
            AGGREGATE_RECORDS,
        ),
    )
    for name, run, records in runs:
        rate = _records_per_second(run, records, seconds)
        # As a time ratio (floor rate / library rate): <= 4 means at most 4x the floor's cost.
        yield Figure(
            "overhead", f"{name}", 1 / rate * 1e6, "us/rec",
            1 / floor * 1e6, "floor us/rec", target=4.0, note=f"{rate:,.0f} rec/s",
        )  # fmt: skip
