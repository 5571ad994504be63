"""Figure 4: library overhead, records per second with I/O stubbed out, next to the floor.

The floor is what any consumer of these messages pays: ``json.loads`` of each body and pydantic
validation of the booking event (``BookingEvent.model_validate``), measured in the same run on
the same messages. The library runs against a repository stub whose every call returns at once,
through its default pool (the production path) and sequentially (:class:`InlineExecutor`).
The aggregate is set against the same per-record floor.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import TYPE_CHECKING, Any

from benchmarks.common import Figure
from benchmarks.cost import booking_records, transaction_stream_event
from loyalty.inbound.booking import BookingEvent
from loyalty.repository.base import WriteOutcome
from loyalty.services.aggregate import AggregateCache, aggregate_stream_event
from loyalty.services.ingest import ingest_sqs_event
from loyalty.testing import InlineExecutor, sqs_event

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Sequence
    from concurrent.futures import Executor

    from loyalty.domain.aggregates import CustomerAggregate
    from loyalty.domain.transactions import Transaction
    from loyalty.repository.base import AggregateSave

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

    def get_aggregates(self, customer_ids: Collection[str]) -> dict[str, CustomerAggregate]:
        return {}

    def save_aggregates(
        self, writes: Sequence[AggregateSave], *, executor: Executor | None = None
    ) -> dict[str, Exception]:
        return {}


def _seconds_per_record(
    run: Callable[[], object], records: int, seconds: float
) -> tuple[float, float]:
    """Wall (``perf_counter``) and CPU (``process_time``, all threads) seconds per record."""
    run()
    done = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        run()
        done += records
    return (time.perf_counter() - wall) / done, (time.process_time() - cpu) / done


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


def overhead_figures(*, seconds: float = 1.0, rounds: int = 5) -> Iterator[Figure]:
    """Figure 4: ``seconds`` of measurement per row, interleaved over ``rounds``.

    Every round measures the floor and each library path in turn and the median rate per row is
    reported, so a neighbour's load on a shared machine drifts into all rows alike.
    """
    events = [sqs_event(*booking_records(BATCH)) for _ in range(10)]
    messages = BATCH * len(events)
    stream = transaction_stream_event(AGGREGATE_RECORDS, AGGREGATE_CUSTOMERS, "overhead")
    aggregate = f"aggregate {AGGREGATE_RECORDS} rec/{AGGREGATE_CUSTOMERS} cust"
    runs = {
        "floor": (_floor(events), messages),
        f"ingest, batches of {BATCH}, default pool": (_ingest(events, None), messages),
        f"ingest, batches of {BATCH}, sequential": (_ingest(events, InlineExecutor()), messages),
        f"{aggregate}, default pool": (_aggregate(stream, None), AGGREGATE_RECORDS),
        f"{aggregate}, sequential": (_aggregate(stream, InlineExecutor()), AGGREGATE_RECORDS),
    }
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, (run, records) in runs.items():
            wall, cpu = _seconds_per_record(run, records, seconds / rounds)
            walls[name].append(wall * 1e6)
            cpus[name].append(cpu * 1e6)
    floor, floor_cpu = statistics.median(walls.pop("floor")), statistics.median(cpus.pop("floor"))
    yield Figure(
        "overhead", "floor: json.loads + BookingEvent.model_validate", floor, "us/rec",
        note=f"{1e6 / floor:,.0f} rec/s; CPU {floor_cpu:.1f} us/rec; SNS envelope unwrapped",
    )  # fmt: skip
    for name, samples in walls.items():
        value, cpu = statistics.median(samples), statistics.median(cpus[name])
        # Time per record: a ratio <= 4 means at most 4x the floor's cost per record.
        yield Figure(
            "overhead", name, value, "us/rec", floor, "floor", target=4.0,
            note=f"{1e6 / value:,.0f} rec/s; CPU {cpu:.1f} us/rec, ratio {cpu / floor_cpu:.2f}",
        )  # fmt: skip
