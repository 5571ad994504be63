"""Figure 5: end-to-end throughput of the local sandbox, next to a plain boto3 loop on it.

A :class:`~loyalty_sandbox.Sandbox` (moto's server on 127.0.0.1, the real handlers behind the
Lambda-like pollers) takes ``events`` new bookings over ``customers`` customers, published to the
booking topic 10 per ``PublishBatch``; the figure is events per second from the first publish
until :meth:`~loyalty_sandbox.Sandbox.drain` returns (every booking in the ledger, aggregated and
seen by the notifier). The reference is what the same emulator does for a plain loop of
``put_item`` on one client: the emulator's own ceiling for one write per event.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from benchmarks.common import Figure, fake_aws_environment
from loyalty.publishing import booking_event, build_sns_message

if TYPE_CHECKING:
    from loyalty_sandbox import Sandbox

__all__ = ["ISSUE_BASELINE", "sandbox_figures"]

ISSUE_BASELINE = 55.0
"""Events per second before this work (the best of the issue's 37–55 on this kind of machine)."""
PUBLISH_BATCH = 10


def _publish(sandbox: Sandbox, events: int, customers: int, run: str) -> None:
    sns = sandbox.client("sns")
    messages = [
        build_sns_message(booking_event(f"{run}-{n % customers}", f"{run}-b{n}", 100), "confirmed")
        for n in range(events)
    ]
    for start in range(0, events, PUBLISH_BATCH):
        chunk = messages[start : start + PUBLISH_BATCH]
        sns.publish_batch(
            TopicArn=sandbox.resources.topic_arn,
            PublishBatchRequestEntries=[
                {"Id": str(position), **message} for position, message in enumerate(chunk)
            ],
        )


def _events_per_second(sandbox: Sandbox, events: int, customers: int) -> float:
    started = time.perf_counter()
    _publish(sandbox, events, customers, uuid.uuid4().hex[:8])
    sandbox.drain(timeout=120)
    return events / (time.perf_counter() - started)


def _puts_per_second(sandbox: Sandbox, puts: int) -> float:
    dynamodb = sandbox.client("dynamodb")
    table = sandbox.resources.table_name
    started = time.perf_counter()
    for n in range(puts):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": f"BENCH#{n}"}, "sk": {"S": "BENCH"}})
    return puts / (time.perf_counter() - started)


def sandbox_figures(*, events: int = 300, customers: int = 50, repeats: int = 3) -> list[Figure]:
    """Figure 5: events/s over ``repeats`` runs of ``events`` bookings, and the put loop."""
    from loyalty_sandbox import Sandbox

    with fake_aws_environment(), Sandbox(visibility_timeout=30) as sandbox:
        _events_per_second(sandbox, 50, customers)  # warm-up: handlers' clients and caches
        rates = [_events_per_second(sandbox, events, customers) for _ in range(repeats)]
        puts = [_puts_per_second(sandbox, events) for _ in range(repeats)]
    return [
        Figure.timed(
            "sandbox", f"end to end, {events} bookings over {customers} customers", rates,
            "events/s", reference=ISSUE_BASELINE, reference_label="issue's before",
            target=2.0, at_least=True,
        ),
        Figure.timed(
            "sandbox", f"plain put_item loop on the same emulator, {events} puts", puts, "puts/s",
        ),
    ]  # fmt: skip
