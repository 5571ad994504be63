"""Figure 4: the client's CPU per request, by request kind, as the repository sends them.

Each request is made through :class:`~loyalty.repository.dynamodb.DynamoDBLoyaltyRepository`
(so with the item codec's real shapes) against a server that answers at once: the in-process stub
(no HTTP layer) and the local HTTP server in another process (the whole botocore stack; the
server's CPU is not counted). CPU is ``time.process_time`` of this process per request, median
over interleaved rounds, with the entrypoints' client settings next to the same settings with
botocore's parameter validation on (the setting before it was turned off).
"""

from __future__ import annotations

import statistics
import time
from contextlib import ExitStack
from dataclasses import replace
from typing import TYPE_CHECKING

from benchmarks.aws import dynamodb_client, round_trip_stub
from benchmarks.common import Figure, fake_aws_environment
from benchmarks.cost import LEDGER_TABLE
from benchmarks.http_stub import http_stub
from loyalty.domain.aggregates import CustomerAggregate, Lot
from loyalty.domain.tiers import Tier
from loyalty.domain.transactions import Transaction, TransactionStatus
from loyalty.repository.base import AggregateSave
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
from loyalty.repository.partiql import MAX_STATEMENTS_PER_BATCH
from loyalty.testing import InlineExecutor

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["client_cpu_figures", "request_kinds"]

BATCH_GET_KEYS = 50


def _transaction(n: int, status: TransactionStatus) -> Transaction:
    return Transaction(
        transaction_id=f"ksuid-{n}",
        customer_id="customer-1",
        booking_id=f"booking-{n}",
        points=100,
        status=status,
        created_at="2026-11-24T12:00:00.000Z",
        expires_at=2_000_000_000,
        booking_reference="ABC123",
        outbound_flight_id="flight-1",
        payment_receipt="receipt-1",
        payment_amount=100,
        correlation_id="correlation-1",
    )


def request_kinds(repository: DynamoDBLoyaltyRepository) -> dict[str, Callable[[], object]]:
    """One call per request kind the functions make, by the name the table shows."""
    active = _transaction(1, TransactionStatus.ACTIVE)
    revoked = _transaction(2, TransactionStatus.REVOKED)
    stored = CustomerAggregate(
        "customer-1",
        100,
        Tier.BRONZE,
        (Lot(2_000_000_000, 100, 100),),
        qualifying_points=100,
        applied_sequence="10",
        version=3,
    )
    written = CustomerAggregate(
        "customer-1",
        200,
        Tier.BRONZE,
        (Lot(2_000_000_000, 200, 200),),
        qualifying_points=200,
        applied_sequence="11",
        version=4,
    )
    customers = [f"customer-{n}" for n in range(BATCH_GET_KEYS)]
    group = [
        AggregateSave(replace(written, customer_id=c), replace(stored, customer_id=c))
        for c in customers[:MAX_STATEMENTS_PER_BATCH]
    ]
    return {
        "PutItem (ingest: record a transaction)": lambda: repository.record_transaction(active),
        "UpdateItem (ingest: revoke)": lambda: repository.revoke_transaction(revoked),
        "PutItem (aggregate: save one)": lambda: repository.save_aggregate(written, stored),
        f"BatchExecuteStatement (aggregate: {MAX_STATEMENTS_PER_BATCH} customers)": (
            lambda: repository.save_aggregates(group, executor=InlineExecutor())
        ),
        f"BatchGetItem (aggregate: {BATCH_GET_KEYS} keys)": lambda: repository.get_aggregates(
            customers
        ),
        "GetItem (get_points)": lambda: repository.get_summary("customer-1"),
    }


def _cpu_per_call(call: Callable[[], object], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - started) / calls


def _measure(
    clients: dict[str, DynamoDBClient], rounds: int, calls: int
) -> dict[str, dict[str, list[float]]]:
    """CPU seconds per call by kind and client, the clients interleaved in every round."""
    kinds = {
        name: request_kinds(DynamoDBLoyaltyRepository(client, LEDGER_TABLE))
        for name, client in clients.items()
    }
    samples: dict[str, dict[str, list[float]]] = {}
    for kind in next(iter(kinds.values())):
        samples[kind] = {name: [] for name in clients}
        for name in clients:
            kinds[name][kind]()  # warm-up: the operation's model and endpoint cached
        for _ in range(rounds):
            for name in clients:
                samples[kind][name].append(_cpu_per_call(kinds[name][kind], calls))
    return samples


def _figures(backend: str, samples: dict[str, dict[str, list[float]]]) -> Iterator[Figure]:
    for kind, by_client in samples.items():
        ours = [seconds * 1000 for seconds in by_client["ours"]]
        before = statistics.median(by_client["validating"]) * 1000
        yield Figure.timed(
            "client CPU", f"{backend}: {kind}", ours, "ms/req",
            reference=before, reference_label="with validation",
        )  # fmt: skip


def client_cpu_figures(*, rounds: int = 5, calls: int = 40) -> list[Figure]:
    """Figure 4, in CPU milliseconds per request."""
    figures: list[Figure] = []
    with fake_aws_environment(), ExitStack() as stubs:
        clients = {"ours": dynamodb_client(), "validating": dynamodb_client(validate=True)}
        for client in clients.values():
            stubs.enter_context(round_trip_stub(client, 0.0))
        figures.extend(_figures("stub", _measure(clients, rounds, calls)))
        with http_stub() as url:
            clients = {
                "ours": dynamodb_client(endpoint_url=url),
                "validating": dynamodb_client(endpoint_url=url, validate=True),
            }
            figures.extend(_figures("http", _measure(clients, rounds, calls)))
    return figures
