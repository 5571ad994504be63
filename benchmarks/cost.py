"""Figures 1 and 2: DynamoDB requests and write units per ingested message and per stream batch.

Everything runs against moto in-process (``mock_aws``) through the real DynamoDB adapter; requests
are counted with botocore event hooks and write units computed from item sizes (see
:mod:`benchmarks.aws`). Writes run sequentially (:class:`InlineExecutor`) so the metering is exact;
concurrency changes no count.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from moto import mock_aws

from benchmarks.aws import CostMeter, dynamodb_client
from benchmarks.common import Figure, fake_aws_environment
from loyalty.inbound.sqs import parse_sqs_record
from loyalty.inbound.streams import ledger_change_of
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
from loyalty.repository.items import aggregate_key, transaction_to_item
from loyalty.services.aggregate import AggregateCache, aggregate_stream_event
from loyalty.services.ingest import ingest_sqs_event, transaction_for
from loyalty.testing import (
    InlineExecutor,
    LambdaContext,
    booking_body,
    create_ledger_table,
    sqs_event,
    sqs_record,
    stream_record,
    transaction_image,
)
from loyalty_sandbox.partiql import run_batch_statements_as_conditional_writes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "AGGREGATE_SHAPES",
    "AggregateCost",
    "IngestCost",
    "RequestCost",
    "aggregate_cost",
    "booking_records",
    "cost_figures",
    "ingest_cost",
    "moto_ledger",
    "per_record_peer",
    "powertools_ingest_cost",
    "transaction_stream_event",
]

LEDGER_TABLE = "loyalty-bench"
IDEMPOTENCY_TABLE = "loyalty-bench-idempotency"
AGGREGATE_SHAPES = ((100, 1), (100, 10), (100, 50), (100, 100))
"""(records, distinct customers) per stream batch: from all one customer to all distinct."""

_bookings = itertools.count(1)
_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _fixed_clock() -> datetime:
    # One instant for every transaction, so item sizes (and write units) do not vary by run.
    return _NOW


@dataclass(frozen=True, slots=True)
class RequestCost:
    """What one batch cost: requests by kind and write units."""

    reads: int
    writes: int
    write_units: int
    calls: dict[str, int]
    consistent_reads: int = 0
    transaction_items: int = 0
    """Items written in transactions (each costs twice a single write's units)."""

    @property
    def requests(self) -> int:
        return self.reads + self.writes

    @classmethod
    def of(cls, meter: CostMeter) -> RequestCost:
        return cls(
            meter.reads,
            meter.writes,
            meter.write_units,
            dict(meter.calls),
            meter.consistent_reads,
            meter.transaction_items,
        )


@dataclass(frozen=True, slots=True)
class IngestCost:
    messages: int
    new: RequestCost
    duplicate: RequestCost


@dataclass(frozen=True, slots=True)
class AggregateCost:
    records: int
    customers: int
    warm: RequestCost
    cold: RequestCost
    per_record_peer: RequestCost


def booking_records(messages: int, *, customers: int = 5) -> list[dict[str, Any]]:
    """SQS records of new confirmed bookings, half raw SNS delivery and half in the envelope."""
    return [
        sqs_record(
            booking_body(
                customer_id=f"customer-{n % customers}", booking_id=f"b-{next(_bookings)}"
            ),
            envelope=n % 2 == 1,
        )
        for n in range(messages)
    ]


def transaction_stream_event(records: int, customers: int, prefix: str) -> dict[str, Any]:
    """A stream batch of transaction INSERTs spread round-robin over ``customers``."""
    return {
        "Records": [
            stream_record(
                None,
                transaction_image(f"{prefix}-{n % customers}", f"b-{next(_bookings)}", 100),
            )
            for n in range(records)
        ]
    }


@contextmanager
def moto_ledger(*, idempotency_table: bool = False) -> Iterator[DynamoDBClient]:
    # moto's PartiQL cannot run the aggregator's grouped writes; the sandbox's stand-in can.
    run_batch_statements_as_conditional_writes()
    with fake_aws_environment(), mock_aws():
        client = dynamodb_client()
        create_ledger_table(client, LEDGER_TABLE)
        if idempotency_table:
            # The table Powertools documents for its DynamoDB persistence layer.
            client.create_table(
                TableName=IDEMPOTENCY_TABLE,
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
        yield client


def ingest_cost(messages: int) -> IngestCost:
    """Requests and WCU of ``ingest_sqs_event`` for a batch of new bookings, then the same again."""
    with moto_ledger() as client:
        repository = DynamoDBLoyaltyRepository(client, LEDGER_TABLE)
        meter = CostMeter(client)
        event = sqs_event(*booking_records(messages))
        ingest_sqs_event(event, repository, now=_fixed_clock, executor=InlineExecutor())
        new = RequestCost.of(meter)
        meter.reset()
        ingest_sqs_event(event, repository, now=_fixed_clock, executor=InlineExecutor())
        return IngestCost(messages, new, RequestCost.of(meter))


def powertools_ingest_cost(messages: int) -> IngestCost:
    """The usual peer: Powertools' idempotency utility around a plain ``put_item`` per message.

    The idempotency key is (customer, booking), records live in a separate idempotency table,
    and the ledger item written is exactly the one loyalty writes.
    """
    with moto_ledger(idempotency_table=True) as client:
        persistence = DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE, boto3_client=client)
        config = IdempotencyConfig(event_key_jmespath="[customerId, booking.id]")
        # As a handler would, so in-progress records get Lambda's remaining-time expiry.
        config.register_lambda_context(cast("Any", LambdaContext()))

        def put(booking: dict[str, Any], item: dict[str, Any]) -> dict[str, int]:
            client.put_item(TableName=LEDGER_TABLE, Item=item)
            return {"points": booking["payment"]["amount"]}

        record_booking: Callable[..., dict[str, int]] = idempotent_function(
            put, data_keyword_argument="booking", persistence_store=persistence, config=config
        )

        def handle(event: dict[str, Any]) -> None:
            for record in event["Records"]:
                message = parse_sqs_record(record)
                item = transaction_to_item(transaction_for(message, now=_fixed_clock))
                record_booking(booking=message.event.model_dump(by_alias=True), item=item)

        meter = CostMeter(client)
        event = sqs_event(*booking_records(messages))
        handle(event)
        new = RequestCost.of(meter)
        meter.reset()
        handle(event)
        return IngestCost(messages, new, RequestCost.of(meter))


def per_record_peer(client: DynamoDBClient, event: dict[str, Any]) -> None:
    """The reference design's shape: one ADD per stream record, no batching, no exactly-once."""
    for record in event["Records"]:
        change = ledger_change_of(record)
        if change is not None:
            client.update_item(
                TableName=LEDGER_TABLE,
                Key=aggregate_key(change.customer_id),
                UpdateExpression="ADD points :delta",
                ExpressionAttributeValues={":delta": {"N": str(change.delta)}},
            )


def aggregate_cost(records: int, customers: int) -> AggregateCost:
    """Requests and WCU of one stream batch, warm and cold cache, next to one update per record.

    The customers' aggregates exist before the measured batches (a priming batch wrote them), as
    for any customer seen before.
    """
    with moto_ledger() as client:
        repository = DynamoDBLoyaltyRepository(client, LEDGER_TABLE)
        warm_cache = AggregateCache()
        prefix = f"c{records}x{customers}"
        inline = InlineExecutor()
        aggregate_stream_event(
            transaction_stream_event(customers, customers, prefix),
            repository,
            cache=warm_cache,
            executor=inline,
        )
        meter = CostMeter(client)
        meter.reset()
        batch = transaction_stream_event(records, customers, prefix)
        aggregate_stream_event(batch, repository, cache=warm_cache, executor=inline)
        warm = RequestCost.of(meter)
        meter.reset()
        batch = transaction_stream_event(records, customers, prefix)
        aggregate_stream_event(batch, repository, cache=AggregateCache(), executor=inline)
        cold = RequestCost.of(meter)
        meter.reset()
        per_record_peer(client, transaction_stream_event(records, customers, f"peer-{prefix}"))
        return AggregateCost(records, customers, warm, cold, RequestCost.of(meter))


def _ingest_figures(ours: IngestCost, peer: IngestCost) -> Iterator[Figure]:
    n = ours.messages
    for kind in ("new", "duplicate"):
        mine: RequestCost = getattr(ours, kind)
        theirs: RequestCost = getattr(peer, kind)
        yield Figure(
            "ingest", f"{kind}: write requests/msg", mine.writes / n, "req",
            1.0, "limit", target=1.0,
        )  # fmt: skip
        yield Figure(
            "ingest", f"{kind}: read requests/msg", mine.reads / n, "req",
            0.0, "limit", target=0.0,
        )  # fmt: skip
        yield Figure(
            "ingest", f"{kind}: requests/msg", mine.requests / n, "req",
            theirs.requests / n, "Powertools",
            note=f"Powertools: {_calls(theirs, n)}",
        )  # fmt: skip
        yield Figure(
            "ingest", f"{kind}: WCU/msg", mine.write_units / n, "WCU",
            theirs.write_units / n, "Powertools",
        )  # fmt: skip


def _calls(cost: RequestCost, per: int) -> str:
    return ", ".join(
        f"{name} {count / per:g}" for name, count in sorted(cost.calls.items()) if count
    )


def _aggregate_figures(cost: AggregateCost) -> Iterator[Figure]:
    shape = f"{cost.records} rec/{cost.customers} cust"
    peer = cost.per_record_peer
    yield Figure(
        "aggregate", f"{shape}, warm: write requests", cost.warm.writes, "req",
        cost.customers, "limit (customers)", target=1.0,
        note=f"reads {cost.warm.reads}",
    )  # fmt: skip
    yield Figure(
        "aggregate", f"{shape}, warm: WCU", cost.warm.write_units, "WCU",
        peer.write_units, "per-record ADD",
    )  # fmt: skip
    yield Figure(
        "aggregate", f"{shape}, cold: requests", cost.cold.requests, "req",
        peer.requests, "per-record ADD",
        note=f"{_calls(cost.cold, 1)}; WCU {cost.cold.write_units}",
    )  # fmt: skip


def cost_figures(*, messages: int = 10) -> list[Figure]:
    """Figures 1 and 2."""
    figures = list(_ingest_figures(ingest_cost(messages), powertools_ingest_cost(messages)))
    for records, customers in AGGREGATE_SHAPES:
        figures.extend(_aggregate_figures(aggregate_cost(records, customers)))
    return figures
