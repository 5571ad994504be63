"""Figure 8: what a million bookings cost on AWS, from measured counts and durations × list prices.

For this design and the per-record peer (Powertools idempotency around a ``put_item`` per message,
one ``UpdateItem ADD`` per stream record), per booking:

- **DynamoDB on demand**: write and read request units, measured (:mod:`benchmarks.cost`): ingest
  of a 25-message batch and the aggregate of a warm 100-record / 50-customer stream batch.
- **Lambda**: one request per batch (the template's batch sizes) and GB-seconds = billed duration
  (the batch's wall time against the HTTP stub with the delay per call, rounded up to 1 ms) × the
  template's memory size, at the template's default architecture's price.
- **SQS**: the event source mapping's ``ReceiveMessage`` and ``DeleteMessageBatch`` per ingest
  batch; **SNS**: the booking system's ``Publish`` per booking (the same for both designs;
  delivery from SNS to SQS is free). Stream reads by Lambda are free.

Not counted, the same for both: ``TierChanged`` publishes and the notifier's invocations (per tier
change and per 100 aggregate writes), API reads, storage, logs. Prices are the AWS list prices for
us-east-1 as known at the time of writing (see :data:`PRICES_AS_OF`); check them before quoting.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from benchmarks.aws import dynamodb_client
from benchmarks.common import Figure, fake_aws_environment, sample_seconds
from benchmarks.cost import (
    IDEMPOTENCY_TABLE,
    LEDGER_TABLE,
    aggregate_cost,
    booking_records,
    ingest_cost,
    per_record_peer,
    powertools_ingest_cost,
    transaction_stream_event,
)
from benchmarks.http_stub import http_stub
from benchmarks.latency import Batches
from loyalty.inbound.sqs import parse_sqs_record
from loyalty.testing import LambdaContext, sqs_event
from loyalty_sandbox.template import load_template, read_template_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["PRICES", "PRICES_AS_OF", "REGION", "Prices", "pricing_figures"]

REGION = "us-east-1"
PRICES_AS_OF = "list prices as known at the time of writing (2025); check before quoting"


@dataclass(frozen=True, slots=True)
class Prices:
    """US dollars per unit."""

    write_request_unit: float = 1.25e-6
    read_request_unit: float = 0.25e-6
    lambda_request: float = 0.20e-6
    lambda_gb_second_x86_64: float = 0.0000166667
    lambda_gb_second_arm64: float = 0.0000133334
    sqs_request: float = 0.40e-6
    sns_publish: float = 0.50e-6

    def gb_second(self, architecture: str) -> float:
        return float(getattr(self, f"lambda_gb_second_{architecture}"))


PRICES = Prices()
BOOKINGS = 1_000_000


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the template says: batch sizes, memory and architecture."""

    ingest_batch: int
    stream_batch: int
    memory_gb: float
    architecture: str


def _template_shape() -> _Shape:
    template = load_template(None)
    settings = read_template_settings(template)
    globals_ = template["Globals"]["Function"]
    architecture = template["Parameters"]["Architecture"]["Default"]
    return _Shape(
        settings.ingest_mapping.batch_size,
        settings.stream_mapping.batch_size,
        int(globals_["MemorySize"]) / 1024,
        str(architecture),
    )


@dataclass(frozen=True, slots=True)
class _Design:
    """Per booking: units and requests; per batch: billed Lambda seconds."""

    write_units: float
    read_units: float
    ingest_seconds: float
    aggregate_seconds: float


def _billed(samples: list[float]) -> float:
    return math.ceil(statistics.median(samples) * 1000) / 1000


def _peer_ingest(client: DynamoDBClient, messages: int) -> Callable[[], None]:
    persistence = DynamoDBPersistenceLayer(table_name=IDEMPOTENCY_TABLE, boto3_client=client)
    config = IdempotencyConfig(event_key_jmespath="[customerId, booking.id]")
    config.register_lambda_context(cast("Any", LambdaContext()))

    def put(booking: dict[str, Any]) -> None:
        client.put_item(
            TableName=LEDGER_TABLE,
            Item={
                "pk": {"S": f"TXN#{booking['customerId']}"},
                "sk": {"S": booking["booking"]["id"]},
            },
        )

    record = idempotent_function(
        put, data_keyword_argument="booking", persistence_store=persistence, config=config
    )

    def run() -> None:
        # Powertools' BatchProcessor handles records one after another.
        for raw in sqs_event(*booking_records(messages))["Records"]:
            record(booking=parse_sqs_record(raw).event.model_dump(by_alias=True))

    return run


def _peer_aggregate(client: DynamoDBClient, records: int, customers: int) -> Callable[[], None]:
    def run() -> None:
        per_record_peer(client, transaction_stream_event(records, customers, "pricing-peer"))

    return run


def _cost(design: _Design, shape: _Shape, prices: Prices) -> dict[str, float]:
    ingest_calls = BOOKINGS / shape.ingest_batch
    aggregate_calls = BOOKINGS / shape.stream_batch
    gb_seconds = (
        ingest_calls * design.ingest_seconds + aggregate_calls * design.aggregate_seconds
    ) * shape.memory_gb
    return {
        "DynamoDB": BOOKINGS
        * (
            design.write_units * prices.write_request_unit
            + design.read_units * prices.read_request_unit
        ),
        "Lambda": (ingest_calls + aggregate_calls) * prices.lambda_request
        + gb_seconds * prices.gb_second(shape.architecture),
        "SQS": ingest_calls * 2 * prices.sqs_request,
        "SNS": BOOKINGS * prices.sns_publish,
    }


def pricing_figures(*, delay: float = 0.010, repeats: int = 3) -> list[Figure]:
    """Figure 8: dollars per million bookings, by service and in total, ours next to the peer."""
    shape = _template_shape()
    ours_ingest, peer_ingest = (
        ingest_cost(shape.ingest_batch),
        powertools_ingest_cost(shape.ingest_batch),
    )
    aggregate = aggregate_cost(shape.stream_batch, shape.stream_batch // 2)
    per_message = 1 / shape.ingest_batch
    per_record = 1 / shape.stream_batch
    with fake_aws_environment(), http_stub(delay=delay, jitter=delay * 0.2) as url:
        client = dynamodb_client(endpoint_url=url)
        batches = Batches.primed(client, repeats)
        ours = _Design(
            ours_ingest.new.write_units * per_message + aggregate.warm.write_units * per_record,
            aggregate.warm.reads * per_record,
            _billed(batches.ingest(None, shape.ingest_batch)[0]) / 1000,
            _billed(batches.aggregate(None, "warm")[0]) / 1000,
        )
        peer = _Design(
            peer_ingest.new.write_units * per_message
            + aggregate.per_record_peer.write_units * per_record,
            0.0,
            _billed(sample_seconds(_peer_ingest(client, shape.ingest_batch), repeats)),
            _billed(
                sample_seconds(
                    _peer_aggregate(client, shape.stream_batch, shape.stream_batch // 2), repeats
                )
            ),
        )
    mine, theirs = _cost(ours, shape, PRICES), _cost(peer, shape, PRICES)
    figures = [
        Figure(
            "cost",
            f"per 1M bookings: {service}",
            mine[service],
            "USD",
            theirs[service],
            "per-record peer",
        )
        for service in mine
    ]
    figures.append(
        Figure(
            "cost",
            "per 1M bookings: total",
            sum(mine.values()),
            "USD",
            sum(theirs.values()),
            "per-record peer",
            note=(
                f"{REGION}, {PRICES_AS_OF}; Lambda {shape.architecture} "
                f"{shape.memory_gb * 1024:.0f} MB, billed ingest {ours.ingest_seconds * 1000:.0f}"
                f" ms / aggregate {ours.aggregate_seconds * 1000:.0f} ms per batch "
                f"(peer {peer.ingest_seconds * 1000:.0f} / {peer.aggregate_seconds * 1000:.0f} ms)"
                f" at {delay * 1000:g} ms per call; WRU/booking {ours.write_units:g} "
                f"(peer {peer.write_units:g})"
            ),
        )
    )
    return figures
