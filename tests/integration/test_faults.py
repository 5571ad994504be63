"""Faults injected into the real handlers: after draining, every aggregate equals the ledger."""

from __future__ import annotations

import json
import random
import re
import threading
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from tests.integration.pipeline import booking, publish, reconcile, repository, scenario, unique

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from loyalty_sandbox import Sandbox


class _Body:
    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


class Throttle:
    """A botocore ``before-send`` hook answering a fraction of calls with a throttling error.

    The request never reaches the table, exactly as when DynamoDB throttles; botocore's retry
    policy then backs off and retries as it would in production.
    """

    def __init__(self, fraction: float, seed: int) -> None:
        self.fraction = fraction
        self.throttled = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        with self._lock:
            if self._rng.random() >= self.fraction:
                return None
            self.throttled += 1
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput was exceeded",
            }
        ).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "throttled"}
        return AWSResponse(request.url, 400, headers, _Body(body))


@pytest.fixture
def hooks(sandbox: Sandbox) -> Iterator[Callable[[str, str, Any], None]]:
    """Register botocore hooks on the handlers' own DynamoDB clients; removed after the test."""
    registered: list[tuple[Any, str, Any]] = []

    def register(function: str, event: str, hook: Any) -> None:
        events = sandbox.functions[function].repository.client.meta.events
        events.register(event, hook)
        registered.append((events, event, hook))

    yield register
    for events, event, hook in registered:
        events.unregister(event, hook)


@pytest.fixture
def wrapped(sandbox: Sandbox) -> Iterator[None]:
    """Restore the pollers' handlers after a test wraps them."""
    ingest, aggregate = sandbox.ingest_poller.handler, sandbox.stream_poller.handler
    yield
    sandbox.ingest_poller.handler, sandbox.stream_poller.handler = ingest, aggregate


def test_throttling_on_a_tenth_of_all_dynamodb_calls_loses_nothing_and_counts_nothing_twice(
    sandbox: Sandbox, hooks: Callable[[str, str, Any], None]
) -> None:
    run = scenario(
        random.Random(1), unique("throttled"), customers=15, bookings=8, duplicates=0.3, cancels=0.2
    )
    throttle = Throttle(0.1, seed=2)
    hooks("ingest", "before-send.dynamodb", throttle)
    hooks("aggregate", "before-send.dynamodb", throttle)

    publish(sandbox, run.messages)
    sandbox.drain(timeout=90)

    assert throttle.throttled > 10
    ledger = reconcile(sandbox, run.expected)
    assert ledger.drift == {}
    assert {c: ledger.balances.get(c, 0) for c in run.expected} == run.expected
    assert set(ledger.transactions_per_booking.values()) == {1}


def _crash_after_half(handler: Any, crashes: int) -> Any:
    """Run the first half of a batch for real, then raise: writes landed, the batch 'failed'."""
    remaining = [crashes]
    lock = threading.Lock()

    def crashing(event: dict[str, Any], context: Any) -> Any:
        records = event["Records"]
        with lock:
            crash = remaining[0] > 0 and len(records) > 1
            if crash:
                remaining[0] -= 1
        if not crash:
            return handler(event, context)
        handler({"Records": records[: len(records) // 2]}, context)
        raise RuntimeError("simulated crash after some writes of the batch")

    return crashing


def test_handlers_crashing_after_some_writes_of_a_batch_leave_every_aggregate_equal_to_the_ledger(
    sandbox: Sandbox, wrapped: None
) -> None:
    run = scenario(
        random.Random(3), unique("crash"), customers=12, bookings=8, duplicates=0.2, cancels=0.2
    )
    ingest_errors = sandbox.counters()["ingest"].get("function_errors", 0)
    aggregate_errors = sandbox.counters()["aggregate"].get("function_errors", 0)
    sandbox.ingest_poller.handler = _crash_after_half(sandbox.ingest_poller.handler, 3)
    sandbox.stream_poller.handler = _crash_after_half(sandbox.stream_poller.handler, 3)

    publish(sandbox, run.messages)
    sandbox.drain(timeout=60)

    assert sandbox.counters()["ingest"]["function_errors"] == ingest_errors + 3
    assert sandbox.counters()["aggregate"]["function_errors"] == aggregate_errors + 3
    ledger = reconcile(sandbox, run.expected)
    assert ledger.drift == {}
    assert {c: ledger.balances.get(c, 0) for c in run.expected} == run.expected
    assert set(ledger.transactions_per_booking.values()) == {1}


def test_an_aggregate_write_failing_for_one_customer_is_retried_from_the_checkpoint(
    sandbox: Sandbox, hooks: Callable[[str, str, Any], None]
) -> None:
    run = scenario(
        random.Random(4), unique("victim"), customers=10, bookings=6, duplicates=0.2, cancels=0.2
    )
    victim = next(iter(run.expected))
    failures = [3]

    def fail_for_victim(params: dict[str, Any], **_: Any) -> None:
        key = params.get("Item") or params.get("Key") or {}
        if key.get("pk", {}).get("S") == f"AGG#{victim}" and failures[0] > 0:
            failures[0] -= 1
            raise ClientError(
                {"Error": {"Code": "InternalServerError", "Message": "injected"}}, "PutItem"
            )

    def refuse_victims_statement(params: dict[str, Any], **_: Any) -> None:
        # Inside a grouped write, only the victim's statement fails: it names a missing table,
        # and the emulator refuses that one statement as DynamoDB would (ResourceNotFound).
        for statement in params.get("Statements", []):
            if {"S": f"AGG#{victim}"} in statement["Parameters"] and failures[0] > 0:
                failures[0] -= 1
                text = statement["Statement"]
                statement["Statement"] = re.sub(r'"[^"]+"', '"no-such-table"', text, count=1)

    partial_before = sandbox.counters()["aggregate"].get("partial_failures", 0)
    hooks("aggregate", "provide-client-params.dynamodb.PutItem", fail_for_victim)
    hooks("aggregate", "provide-client-params.dynamodb.UpdateItem", fail_for_victim)
    hooks(
        "aggregate",
        "provide-client-params.dynamodb.BatchExecuteStatement",
        refuse_victims_statement,
    )

    publish(sandbox, run.messages)
    sandbox.drain(timeout=60)

    assert failures == [0]
    assert sandbox.counters()["aggregate"]["partial_failures"] > partial_before
    ledger = reconcile(sandbox, run.expected)
    assert ledger.drift == {}
    assert repository(sandbox).get_summary(victim).points == run.expected[victim]


def test_a_record_that_always_crashes_the_aggregate_is_isolated_by_bisection_and_sent_to_the_failure_queue(
    sandbox: Sandbox, wrapped: None
) -> None:
    customers = [unique("bisect") for _ in range(4)]
    doomed = customers[0]
    real = sandbox.stream_poller.handler

    def crash_on_doomed(event: dict[str, Any], context: Any) -> Any:
        if any(r["dynamodb"]["Keys"]["pk"]["S"] == f"TXN#{doomed}" for r in event["Records"]):
            raise RuntimeError("cannot aggregate this record")
        return real(event, context)

    sandbox.stream_poller.handler = crash_on_doomed
    sqs = sandbox.client("sqs")
    assert sandbox.queue_depth(sandbox.resources.failure_queue_url) == 0
    publish(sandbox, [booking(c, f"b{n}", 1_000) for n in range(6) for c in customers])
    sandbox.drain(timeout=60)

    assert sandbox.queue_depth(sandbox.resources.failure_queue_url) == 6
    messages: list[Any] = []
    while len(messages) < 6:
        messages += sqs.receive_message(
            QueueUrl=sandbox.resources.failure_queue_url, MaxNumberOfMessages=10
        ).get("Messages", [])
    records = [json.loads(m["Body"]) for m in messages]
    for record in records:
        assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == (
            sandbox.settings.stream_mapping.maximum_retry_attempts + 1
        )
        assert record["DDBStreamBatchInfo"]["batchSize"] == 1
        assert record["responseContext"]["functionError"] == "Unhandled"
    for message in messages:
        sqs.delete_message(
            QueueUrl=sandbox.resources.failure_queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
    # Everyone else's records were aggregated around the doomed ones.
    assert reconcile(sandbox, customers[1:]).drift == {}
    assert repository(sandbox).get_aggregate(doomed) is None
