"""Figure 9: the aggregate item with lots, per customer profile and expiry rounding.

Its size and the write units of one aggregate write (the aggregator rewrites the whole item), for a
typical customer (four bookings a year) and a daily flyer (a booking every day for a year), under
each expiry rounding; and, against moto through the real adapter and services, that a read is
still one ``GetItem`` and a stream batch still one ``PutItem`` per customer, even for a daily
flyer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from benchmarks.aws import CostMeter, item_size, write_units
from benchmarks.common import Figure
from benchmarks.cost import LEDGER_TABLE, RequestCost, moto_ledger
from loyalty.domain.aggregates import CustomerAggregate, reconciled
from loyalty.domain.clock import format_timestamp
from loyalty.domain.transactions import (
    ExpiryPolicy,
    ExpiryRounding,
    Transaction,
    TransactionStatus,
)
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
from loyalty.repository.items import aggregate_to_item
from loyalty.services.aggregate import AggregateCache, aggregate_stream_event
from loyalty.testing import InlineExecutor, stream_record, transaction_image

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["PROFILES", "AggregateShape", "aggregate_shape", "lot_figures", "lots_request_cost"]

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PROFILES = {"typical (5 bookings/year)": 91, "daily flyer (365 bookings/year)": 1}
"""Customer profile -> days between two bookings, over the year before ``NOW``."""
POINTS = 12_345


@dataclass(frozen=True, slots=True)
class AggregateShape:
    """One stored aggregate: how many lots, its size and the WCU of writing it."""

    lots: int
    size: int
    write_units: int


def _ledger(every_days: int, rounding: ExpiryRounding) -> list[Transaction]:
    policy = ExpiryPolicy(rounding=rounding)
    ledger = []
    for n, days_ago in enumerate(range(364, -1, -every_days)):
        created = NOW - timedelta(days=days_ago, hours=n % 9)
        ledger.append(
            Transaction(
                transaction_id=f"ksuid-{n}",
                customer_id="customer-0042",
                booking_id=f"booking-{n}",
                points=POINTS,
                status=TransactionStatus.ACTIVE,
                created_at=format_timestamp(created),
                expires_at=policy.expires_at(created, fake=False),
            )
        )
    return ledger


def _aggregate(every_days: int, rounding: ExpiryRounding) -> CustomerAggregate:
    aggregate = reconciled("customer-0042", _ledger(every_days, rounding), None, at=NOW)
    # As the aggregator leaves it: a 21-digit high-water mark and a version in the thousands.
    return replace(aggregate, applied_sequence="4" * 21, version=1_000)


def aggregate_shape(every_days: int, rounding: ExpiryRounding) -> AggregateShape:
    """The stored aggregate of a customer booking every ``every_days`` days for a year."""
    aggregate = _aggregate(every_days, rounding)
    size = item_size(aggregate_to_item(aggregate))
    return AggregateShape(len(aggregate.lots or ()), size, write_units(size, size))


def lots_request_cost(
    rounding: ExpiryRounding = ExpiryRounding.DAY,
) -> tuple[RequestCost, RequestCost]:
    """Against moto: one summary read, then one stream batch of 5 bookings, of a daily flyer."""
    with moto_ledger() as client:
        repository = DynamoDBLoyaltyRepository(client, LEDGER_TABLE)
        stored = _aggregate(1, rounding)
        repository.save_aggregate(stored, None)
        meter = CostMeter(client)
        meter.reset()
        repository.get_summary(stored.customer_id, at=NOW)
        read = RequestCost.of(meter)
        meter.reset()
        expiry = int((NOW + timedelta(days=366)).timestamp())
        batch = [
            stream_record(
                None,
                transaction_image(stored.customer_id, f"new-{n}", POINTS, expires_at=expiry),
                sequence_number=5 * 10**21 + n,
            )
            for n in range(5)
        ]
        aggregate_stream_event(
            {"Records": batch},
            repository,
            now=lambda: NOW,
            cache=AggregateCache(),
            executor=InlineExecutor(),
        )
        return read, RequestCost.of(meter)


def _shape_figures() -> Iterator[Figure]:
    for profile, every_days in PROFILES.items():
        for rounding in ExpiryRounding:
            shape = aggregate_shape(every_days, rounding)
            typical = every_days > 1
            yield Figure(
                "lots",
                f"{profile}, rounding {rounding.value}: WCU/aggregate write",
                shape.write_units,
                "WCU",
                1.0 if typical else None,
                "goal" if typical else "",
                target=1.0 if typical else None,
                note=f"{shape.lots} lots, item {shape.size:,} bytes",
            )


def lot_figures() -> list[Figure]:
    """Figure 9."""
    figures = list(_shape_figures())
    read, batch = lots_request_cost()
    figures.append(
        Figure(
            "lots",
            "daily flyer: requests per summary read",
            read.requests,
            "req",
            1.0,
            "limit",
            target=1.0,
            note=f"{_calls(read)}",
        )
    )
    figures.append(
        Figure(
            "lots",
            "daily flyer, 5 bookings in a batch: write requests",
            batch.writes,
            "req",
            1.0,
            "limit (customers)",
            target=1.0,
            note=f"{_calls(batch)}; WCU {batch.write_units}",
        )
    )
    return figures


def _calls(cost: RequestCost) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(cost.calls.items()) if count)
