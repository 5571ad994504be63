"""Figure 10: redemptions, what one call costs and what contention for one customer does.

Per call, against moto in-process through the real adapter and services: requests, strongly
consistent reads and write units of a reserve, a repeated reserve, a commit, a cancel of a hold
and a cancel of a committed redemption (decision 0013 promises one ``TransactWriteItems`` of two
items plus at most one strongly consistent read).

Under contention, over HTTP against moto's server as the sandbox runs it (conditional writes and
transactions atomic), with a round trip of 10 ms ± 2 ms injected before every request: N
reserves for one customer released at once, who can afford them all. Every transaction that a
concurrent reserve beat is cancelled and retried inside the call; the conflict rate is the
share of transactions sent that were cancelled, the latency that of each whole ``reserve`` call.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from benchmarks.aws import CostMeter, dynamodb_client, inject_delay
from benchmarks.common import Figure, fake_aws_environment
from benchmarks.cost import LEDGER_TABLE, RequestCost, moto_ledger
from loyalty.domain.aggregates import reconciled
from loyalty.domain.clock import format_timestamp
from loyalty.domain.transactions import ExpiryPolicy, Transaction, TransactionStatus
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
from loyalty.services.redemptions import cancel, commit, reserve
from loyalty.testing import create_ledger_table
from loyalty_sandbox.server import EmulatorServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_dynamodb import DynamoDBClient

    from loyalty.domain.redemptions import Redemption

__all__ = [
    "CONCURRENCY",
    "Contention",
    "contention",
    "redemption_figures",
    "redemption_request_costs",
]

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CONCURRENCY = (2, 4, 8)
"""Concurrent reserves for one customer, per contention figure."""
DELAY = 0.010
JITTER = 0.002
_POINTS = 100


def _fund(repository: DynamoDBLoyaltyRepository, customer: str, points: int, at: datetime) -> None:
    """Store the customer's aggregate as the aggregator would leave it: one lot of ``points``."""
    earning = Transaction(
        transaction_id=f"ksuid-{customer}",
        customer_id=customer,
        booking_id=f"booking-{customer}",
        points=points,
        status=TransactionStatus.ACTIVE,
        created_at=format_timestamp(at),
        expires_at=ExpiryPolicy().expires_at(at, fake=False),
    )
    repository.save_aggregate(reconciled(customer, [earning], None, at=at), None)


def redemption_request_costs() -> dict[str, RequestCost]:
    """Against moto, one after the other for one customer: what each call cost."""

    def at() -> datetime:
        return NOW

    customer = "customer-0042"
    costs: dict[str, RequestCost] = {}
    with moto_ledger() as client:
        repository = DynamoDBLoyaltyRepository(client, LEDGER_TABLE)
        _fund(repository, customer, 10 * _POINTS, NOW)
        meter = CostMeter(client)
        calls: list[tuple[str, Callable[[], Redemption]]] = [
            ("reserve", lambda: reserve(repository, customer, "spent", _POINTS, now=at)),
            (
                "reserve again (same request)",
                lambda: reserve(repository, customer, "spent", _POINTS, now=at),
            ),
            ("commit", lambda: commit(repository, customer, "spent", now=at)),
            (
                "reserve (to release)",
                lambda: reserve(repository, customer, "released", _POINTS, now=at),
            ),
            ("cancel a hold", lambda: cancel(repository, customer, "released", now=at)),
            ("cancel a commit (refund)", lambda: cancel(repository, customer, "spent", now=at)),
        ]
        for name, call in calls:
            meter.reset()
            call()
            costs[name] = RequestCost.of(meter)
    del costs["reserve (to release)"]  # the same as the first reserve
    return costs


@dataclass(frozen=True, slots=True)
class Contention:
    """One run: N reserves released at once for one customer."""

    reserves: int
    transactions: int
    cancelled: int
    latencies: tuple[float, ...]
    """Seconds of each ``reserve`` call."""

    @property
    def conflict_rate(self) -> float:
        """Share of the transactions sent that a concurrent reserve made fail."""
        return self.cancelled / self.transactions if self.transactions else 0.0


class _TransactionCounter:
    def __init__(self, client: DynamoDBClient) -> None:
        self.sent = 0
        self.cancelled = 0
        self._lock = threading.Lock()
        self._client = client
        client.meta.events.register("after-call.dynamodb.TransactWriteItems", self._count)

    def detach(self) -> None:
        self._client.meta.events.unregister("after-call.dynamodb.TransactWriteItems", self._count)

    def _count(self, parsed: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.sent += 1
            if parsed.get("Error", {}).get("Code") == "TransactionCanceledException":
                self.cancelled += 1


def contention(client: DynamoDBClient, table: str, reserves: int) -> Contention:
    """Release ``reserves`` concurrent reserves for a new customer who can afford all of them.

    Raises
    ------
    RuntimeError
        If a reserve failed or the customer's held points are not the sum of the reserves.
    """
    repository = DynamoDBLoyaltyRepository(client, table)
    customer = f"contended-{uuid.uuid4().hex[:10]}"
    _fund(repository, customer, reserves * _POINTS, datetime.now(UTC))
    counter = _TransactionCounter(client)
    start = threading.Barrier(reserves)
    latencies: list[float] = []
    failures: list[BaseException] = []

    def one(index: int) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            reserve(repository, customer, f"r-{index}", _POINTS)
        except Exception as error:  # reported below: the run is invalid
            failures.append(error)
            return
        latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(reserves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counter.detach()
    held = repository.get_summary(customer).held_points
    if failures or held != reserves * _POINTS:
        raise RuntimeError(f"contention run invalid: {held} held, failures {failures!r}")
    return Contention(reserves, counter.sent, counter.cancelled, tuple(latencies))


def _contention_runs(repeats: int) -> dict[int, list[Contention]]:
    # One reserve alone first: the floor on this machine, emulator included.
    runs: dict[int, list[Contention]] = {n: [] for n in (1, *CONCURRENCY)}
    with fake_aws_environment():
        server = EmulatorServer()
        server.start()
        try:
            client = dynamodb_client(endpoint_url=server.endpoint_url)
            create_ledger_table(client, LEDGER_TABLE)
            with inject_delay(client, DELAY, JITTER):
                # Interleaved, so that a change in the machine's load touches every N alike.
                for _ in range(repeats):
                    for n, done in runs.items():
                        done.append(contention(client, LEDGER_TABLE, n))
        finally:
            server.stop()
    return runs


def _cost_figures() -> Iterator[Figure]:
    for name, cost in redemption_request_costs().items():
        writes = cost.calls.get("TransactWriteItems", 0)
        repeat = name.startswith("reserve again")
        limit_requests, limit_units = (1, 0) if repeat else (2, 4)
        yield Figure(
            "redemption",
            f"per call: {name}: requests",
            cost.requests,
            "req",
            limit_requests,
            "1 read" if repeat else "1 read + 1 transaction",
            target=1.0,
            note=(
                f"{cost.consistent_reads} strongly consistent read(s), {writes} "
                f"TransactWriteItems of {cost.transaction_items} item(s)"
                if name == "reserve"
                else ""
            ),
        )
        yield Figure(
            "redemption",
            f"per call: {name}: write units",
            cost.write_units,
            "WCU",
            limit_units,
            "none" if repeat else "2 items x 2",
            target=1.0,
        )


def _contention_figures(repeats: int) -> Iterator[Figure]:
    for n, runs in _contention_runs(repeats).items():
        if n == 1:
            yield Figure.timed(
                "redemption",
                "http, 10 ms: 1 reserve alone: latency per reserve",
                [latency * 1000 for run in runs for latency in run.latencies],
                "ms",
                reference=2 * DELAY * 1000,
                reference_label="2 round trips",
            )
            continue
        name = f"http, 10 ms: {n} concurrent reserves, one customer"
        yield Figure.timed(
            "redemption",
            f"{name}: latency per reserve",
            [latency * 1000 for run in runs for latency in run.latencies],
            "ms",
            reference=2 * DELAY * 1000,
            reference_label="2 round trips",
            note=(
                f"all {n * len(runs)} reserves of {len(runs)} runs succeeded, "
                f"{sum(run.transactions for run in runs) / (n * len(runs)):.2f} transactions "
                "per reserve"
            ),
        )
        yield Figure.timed(
            "redemption",
            f"{name}: conflict rate",
            [100 * run.conflict_rate for run in runs],
            "%",
        )


def redemption_figures(*, repeats: int) -> list[Figure]:
    """Per-call costs, then the contention figures from ``repeats`` runs per N."""
    return [*_cost_figures(), *_contention_figures(repeats)]
