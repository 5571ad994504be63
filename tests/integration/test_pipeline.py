"""End to end through the sandbox: SNS → SQS → ingest → DynamoDB → stream → aggregate → get."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from loyalty.inbound.streams import TTL_USER_IDENTITY
from tests.integration.conftest import FAKE_TTL_SECONDS
from tests.integration.pipeline import (
    booking,
    get_points,
    publish,
    raw_message,
    reconcile,
    repository,
    unique,
)

if TYPE_CHECKING:
    from types import ModuleType

    from loyalty_sandbox import Sandbox


def test_confirmed_bookings_become_points_and_a_booking_published_three_times_counts_once(
    sandbox: Sandbox, get_function: ModuleType
) -> None:
    customer = unique("happy")
    messages = [booking(customer, f"b-{n}", 10_000) for n in range(5)]
    messages += [booking(customer, "b-twice", 7_000)] * 3
    publish(sandbox, messages)
    sandbox.drain()

    assert get_points(get_function, customer) == {
        "points": 57_000,
        "level": "SILVER",
        "remainingPoints": 43_000,
    }
    ledger = reconcile(sandbox, [customer])
    assert ledger.drift == {}
    assert ledger.transactions_per_booking[(customer, "b-twice")] == 1
    assert len(repository(sandbox).list_transactions(customer)) == 6


def test_an_unknown_customer_reads_as_zero_points_bronze(
    sandbox: Sandbox, get_function: ModuleType
) -> None:
    assert get_points(get_function, unique("nobody")) == {
        "points": 0,
        "level": "BRONZE",
        "remainingPoints": 50_000,
    }


def test_a_cancel_before_its_confirm_and_a_cancel_after_it_both_leave_no_points(
    sandbox: Sandbox, get_function: ModuleType
) -> None:
    customer = unique("cancel")
    publish(
        sandbox,
        [booking(customer, "kept", 30_000), booking(customer, "early", 40_000, "cancelled")],
    )
    sandbox.drain()
    publish(sandbox, [booking(customer, "early", 40_000), booking(customer, "late", 25_000)])
    sandbox.drain()
    assert get_points(get_function, customer)["points"] == 55_000

    publish(sandbox, [booking(customer, "late", 25_000, "cancelled")])
    sandbox.drain()

    assert get_points(get_function, customer) == {
        "points": 30_000,
        "level": "BRONZE",
        "remainingPoints": 20_000,
    }
    statuses = {
        t.booking_id: t.status.value for t in repository(sandbox).list_transactions(customer)
    }
    assert statuses == {"kept": "ACTIVE", "early": "REVOKED", "late": "REVOKED"}
    assert reconcile(sandbox, [customer]).drift == {}


def test_fake_points_stop_counting_at_their_expiry_and_the_ttl_deletion_changes_nothing(
    sandbox: Sandbox, get_function: ModuleType
) -> None:
    customer = unique("expiry")
    expired_before = sandbox.counters()["aggregate"].get("ledger_expired", 0)
    publish(
        sandbox, [booking(customer, "real", 60_000), booking(customer, "fake", 45_000, fake=True)]
    )
    sandbox.drain()
    fake = repository(sandbox).get_transaction(customer, "fake")
    assert fake is not None
    if time.time() < fake.expires_at:
        body = get_points(get_function, customer, full=True)
        assert (body["level"], body["qualifyingPoints"]) == ("GOLD", 105_000)
        assert body["expiring"][0]["points"] == 45_000
    time.sleep(max(0.0, fake.expires_at - time.time()))
    # Punctual: from its expiry instant on, whether or not the sweeper has deleted it yet.
    assert get_points(get_function, customer) == {
        "points": 60_000,
        "level": "SILVER",
        "remainingPoints": 40_000,
    }

    deadline = time.monotonic() + FAKE_TTL_SECONDS + 10
    while repository(sandbox).get_transaction(customer, "fake") is not None:
        assert time.monotonic() < deadline, "the sweeper did not expire the fake transaction"
        time.sleep(0.2)
    sandbox.drain()

    assert get_points(get_function, customer) == {
        "points": 60_000,
        "level": "SILVER",
        "remainingPoints": 40_000,
    }
    assert sandbox.counters()["aggregate"]["ledger_expired"] > expired_before
    assert reconcile(sandbox, [customer]).drift == {}


def _replay_dead_letters(sandbox: Sandbox, fix: dict[str, str]) -> int:
    """Move the DLQ back to the ingest queue, replacing bodies per ``fix``; delete after sending."""
    sqs = sandbox.client("sqs")
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=sandbox.resources.dead_letter_queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return moved
        for message in messages:
            sqs.send_message(
                QueueUrl=sandbox.resources.ingest_queue_url,
                MessageBody=fix.get(message["Body"], message["Body"]),
                MessageAttributes=message.get("MessageAttributes", {}),
            )
            sqs.delete_message(
                QueueUrl=sandbox.resources.dead_letter_queue_url,
                ReceiptHandle=message["ReceiptHandle"],
            )
            moved += 1


def test_a_poison_message_ends_in_the_dlq_and_once_fixed_a_replay_ingests_it_exactly_once(
    sandbox: Sandbox, get_function: ModuleType
) -> None:
    customer = unique("poison")
    poison = {
        "customerId": customer,
        "booking": {"id": "b-poison"},
        "payment": {"amount": -5},
    }
    publish(sandbox, [raw_message(poison), booking(customer, "b-fine", 1_000)])
    sandbox.drain()
    assert get_points(get_function, customer)["points"] == 1_000
    assert sandbox.queue_depth(sandbox.resources.dead_letter_queue_url) == 1

    fixed = json.dumps({**poison, "payment": {"amount": 5_000}})
    assert _replay_dead_letters(sandbox, {json.dumps(poison): fixed}) == 1
    sandbox.drain()
    # A second delivery of the replayed message (at least once) changes nothing.
    publish(sandbox, [raw_message(fixed)])
    sandbox.drain()

    assert get_points(get_function, customer)["points"] == 6_000
    assert sandbox.queue_depth(sandbox.resources.dead_letter_queue_url) == 0
    ledger = reconcile(sandbox, [customer])
    assert ledger.transactions_per_booking[(customer, "b-poison")] == 1
    assert ledger.drift == {}


def test_stream_records_of_ttl_deletions_carry_the_ttl_services_identity(
    sandbox: Sandbox,
) -> None:
    customer = unique("identity")
    publish(sandbox, [booking(customer, "fake", 100, fake=True)])
    sandbox.drain()
    seen: list[dict[str, object]] = []
    original = sandbox.stream_poller.handler

    def spy(event: dict[str, object], context: object) -> object:
        seen.extend(event["Records"])  # type: ignore[arg-type]
        return original(event, context)

    sandbox.stream_poller.handler = spy
    try:
        deadline = time.monotonic() + FAKE_TTL_SECONDS + 10
        while repository(sandbox).get_transaction(customer, "fake") is not None:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        sandbox.drain()
    finally:
        sandbox.stream_poller.handler = original

    removals = [
        record
        for record in seen
        if record["eventName"] == "REMOVE"
        and record["dynamodb"]["Keys"]["pk"]["S"] == f"TXN#{customer}"  # type: ignore[index]
    ]
    assert len(removals) == 1
    assert removals[0]["userIdentity"] == TTL_USER_IDENTITY
    assert removals[0]["awsRegion"] == sandbox.region
    assert removals[0]["eventSource"] == "aws:dynamodb"
