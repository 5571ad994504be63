"""Figure 3: batch wall time with a delay per DynamoDB call, through the real adapter and botocore.

Two backends, neither with server-side CPU in this process:

- **http** (the figures the targets are judged on): a real local HTTP server in another process
  (:mod:`benchmarks.http_stub`) that answers after ``delay`` ± ``jitter``. Every request goes
  through botocore's whole stack: serialise, sign, urllib3, socket, parse.
- **stub**: a botocore ``before-send`` hook sleeps ``delay`` and answers in process
  (:func:`benchmarks.aws.round_trip_stub`): no HTTP layer, so it understates the client's cost.

The ``no delay`` rows never sleep: they are the client's CPU floor for the same batch. Batches use
the library's default pool (``MAX_CONCURRENT_WRITES`` threads); one sequential row
(:class:`InlineExecutor`) shows what the pool is worth. Every row is the median of ``repeats``
batches, with min and max.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from benchmarks.aws import dynamodb_client, round_trip_stub
from benchmarks.common import Figure, fake_aws_environment, sample_seconds
from benchmarks.cost import LEDGER_TABLE, booking_records, transaction_stream_event
from benchmarks.http_stub import http_stub
from loyalty.concurrency import MAX_CONCURRENT_WRITES
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
from loyalty.services.aggregate import AggregateCache, aggregate_stream_event
from loyalty.services.ingest import ingest_sqs_event
from loyalty.testing import InlineExecutor, sqs_event

if TYPE_CHECKING:
    from collections.abc import Iterator
    from concurrent.futures import Executor

    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["AGGREGATE_CUSTOMERS", "AGGREGATE_RECORDS", "Batches", "latency_figures"]

INGEST_MESSAGES = 10
AGGREGATE_RECORDS = 100
AGGREGATE_CUSTOMERS = 50
JITTER = 0.2
"""Jitter of the HTTP backend, as a fraction of the delay (uniform, ±)."""
_POOL = f"pool {MAX_CONCURRENT_WRITES} (default)"


@dataclass(slots=True)
class Batches:
    """Times ingest and aggregate batches against one client; every batch is new data."""

    client: DynamoDBClient
    repeats: int
    warm_cache: AggregateCache

    @classmethod
    def primed(cls, client: DynamoDBClient, repeats: int) -> Batches:
        """Batches whose warm cache knows every customer (a previous batch wrote them)."""
        batches = cls(client, repeats, AggregateCache())
        aggregate_stream_event(
            transaction_stream_event(AGGREGATE_CUSTOMERS, AGGREGATE_CUSTOMERS, "latency"),
            batches.repository,
            cache=batches.warm_cache,
        )
        return batches

    @property
    def repository(self) -> DynamoDBLoyaltyRepository:
        return DynamoDBLoyaltyRepository(self.client, LEDGER_TABLE)

    def _samples_ms(self, run: Any, repeats: int | None = None) -> tuple[list[float], float]:
        """Wall ms of each run, and the CPU ms per run (all threads), after one warm-up run."""
        run()  # warm-up: pool threads started, connections open, botocore caches loaded
        count = repeats or self.repeats
        cpu = time.process_time()
        walls = [seconds * 1000 for seconds in sample_seconds(run, count)]
        return walls, (time.process_time() - cpu) * 1000 / count

    def ingest(
        self, executor: Executor | None, messages: int = INGEST_MESSAGES
    ) -> tuple[list[float], float]:
        repository = self.repository

        def run() -> None:
            event = sqs_event(*booking_records(messages))
            ingest_sqs_event(event, repository, executor=executor)

        return self._samples_ms(run)

    def aggregate(
        self, executor: Executor | None, cache: str, *, repeats: int | None = None
    ) -> tuple[list[float], float]:
        repository = self.repository

        def run() -> None:
            event = transaction_stream_event(AGGREGATE_RECORDS, AGGREGATE_CUSTOMERS, "latency")
            use = self.warm_cache if cache == "warm" else AggregateCache()
            aggregate_stream_event(event, repository, cache=use, executor=executor)

        return self._samples_ms(run, repeats)


def _rows(batches: Batches, backend: str, delay_ms: float) -> Iterator[Figure]:
    aggregate = f"aggregate {AGGREGATE_RECORDS} rec/{AGGREGATE_CUSTOMERS} cust"
    # A cold container reads its customers' aggregates before it can write them: two calls in
    # sequence at the least, whatever the write path.
    cold = "; floor 2 calls (read, then write)"
    runs: list[tuple[str, Any, float | None, str]] = [
        (f"ingest {INGEST_MESSAGES} msg, {_POOL}", lambda: batches.ingest(None), 3.0, ""),
        (f"{aggregate}, warm, {_POOL}", lambda: batches.aggregate(None, "warm"), 2.0, ""),
        (f"{aggregate}, cold, {_POOL}", lambda: batches.aggregate(None, "cold"), 2.0, cold),
    ]
    if backend == "http" and delay_ms:
        slow = max(1, batches.repeats // 2)
        runs.append(
            (
                f"{aggregate}, warm, sequential",
                lambda: batches.aggregate(InlineExecutor(), "warm", repeats=slow),
                None,
                "",
            )
        )
    label = f"{backend}, {delay_ms:g} ms" if delay_ms else f"{backend}, no delay"
    for name, run, target, floor in runs:
        samples, cpu = run()
        if delay_ms:
            yield Figure.timed(
                "latency", f"{label}: {name}", samples, "ms",
                reference=delay_ms, reference_label="1 call delay", target=target,
                note=f"client CPU {cpu:.0f} ms per batch{floor}",
            )  # fmt: skip
        else:
            yield Figure.timed(
                "latency", f"{label}: {name}", samples, "ms",
                note=f"client CPU floor: {cpu:.0f} ms per batch",
            )  # fmt: skip


def latency_figures(*, delay: float = 0.010, repeats: int = 5) -> list[Figure]:
    """Figure 3: stub and HTTP, each with ``delay`` per call and without."""
    figures: list[Figure] = []
    with fake_aws_environment(), ExitStack() as stack:
        for seconds in (delay, 0.0):
            client = dynamodb_client()
            stack.enter_context(round_trip_stub(client, seconds))
            figures.extend(_rows(Batches.primed(client, repeats), "stub", seconds * 1000))
        for seconds in (delay, 0.0):
            with http_stub(delay=seconds, jitter=seconds * JITTER) as url:
                client = dynamodb_client(endpoint_url=url)
                figures.extend(_rows(Batches.primed(client, repeats), "http", seconds * 1000))
    return figures


def batch_seconds(client: DynamoDBClient, kind: str, repeats: int) -> list[float]:
    """Wall seconds of warm batches of ``kind`` (``ingest`` of 25 messages, the template's batch
    size, or ``aggregate`` of 100 records over 50 customers) on ``client``: the cost model's
    Lambda durations."""
    batches = Batches.primed(client, repeats)
    samples, _ = batches.ingest(None, 25) if kind == "ingest" else batches.aggregate(None, "warm")
    return [ms / 1000 for ms in samples]
