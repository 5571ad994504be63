"""The notifier publishes one TierChanged per tier-changing aggregate write, in stream order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty.domain.aggregates import CustomerAggregate
from loyalty.domain.events import TierChanged
from loyalty.domain.tiers import Tier
from loyalty.errors import InvalidEventMessage
from loyalty.outbound.tier_changed import (
    parse_tier_changed,
    tier_changed_body,
    tier_changed_json_schema,
)
from loyalty.repository.items import aggregate_to_item
from loyalty.services.notify import notify_tier_changes
from tests.support.builders import stream_record, transaction_image


def image(customer: str, points: int, tier: Tier, version: int) -> dict[str, Any]:
    item = aggregate_to_item(
        CustomerAggregate(
            customer,
            points,
            tier,
            (),
            qualifying_points=points,
            applied_sequence="1",
            version=version,
            updated_at="2026-11-24T12:00:00.000Z",
        )
    )
    return dict(item)


def write(customer: str, old: tuple[int, Tier, int] | None, new: tuple[int, Tier, int]) -> Any:
    return stream_record(None if old is None else image(customer, *old), image(customer, *new))


class Outbox:
    def __init__(self, fail_on: set[str] | None = None) -> None:
        self.sent: list[TierChanged] = []
        self.fail_on = fail_on or set()

    def __call__(self, event: TierChanged) -> None:
        if event.event_id in self.fail_on:
            raise ConnectionError("SNS unreachable")
        self.sent.append(event)


def test_only_tier_changing_writes_are_published_and_ledger_records_are_skipped() -> None:
    outbox = Outbox()
    event = {
        "Records": [
            write("c-1", None, (60_000, Tier.SILVER, 1)),
            stream_record(None, transaction_image("c-1", "b-1", 60_000)),
            write("c-1", (60_000, Tier.SILVER, 1), (70_000, Tier.SILVER, 2)),
            write("c-2", None, (10, Tier.BRONZE, 1)),
            write("c-1", (70_000, Tier.SILVER, 2), (120_000, Tier.GOLD, 3)),
        ]
    }
    result = notify_tier_changes(event, outbox)
    assert [(e.customer_id, e.from_tier, e.to_tier, e.event_id) for e in outbox.sent] == [
        ("c-1", Tier.BRONZE, Tier.SILVER, "c-1/v1"),
        ("c-1", Tier.SILVER, Tier.GOLD, "c-1/v3"),
    ]
    assert result.response() == {"batchItemFailures": []}
    assert result.counts["published"] == 2
    assert result.counts["unchanged"] == 2
    assert result.counts["skipped"] == 1


def test_a_failed_publish_is_reported_and_nothing_after_it_is_published() -> None:
    records = [
        write("c-1", None, (60_000, Tier.SILVER, 1)),
        write("c-2", None, (60_000, Tier.SILVER, 1)),
        write("c-3", None, (60_000, Tier.SILVER, 1)),
    ]
    outbox = Outbox(fail_on={"c-2/v1"})
    result = notify_tier_changes({"Records": records}, outbox)
    failed = records[1]["dynamodb"]["SequenceNumber"]
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": failed}]}
    assert [e.customer_id for e in outbox.sent] == ["c-1"]


def test_a_redelivered_batch_publishes_the_same_events_with_the_same_ids() -> None:
    records = [write("c-1", None, (60_000, Tier.SILVER, 1))]
    first, again = Outbox(), Outbox()
    notify_tier_changes({"Records": records}, first)
    notify_tier_changes({"Records": records}, again)
    assert first.sent == again.sent


def test_an_unreadable_aggregate_image_is_reported_by_its_sequence_number() -> None:
    record = write("c-1", None, (60_000, Tier.SILVER, 1))
    del record["dynamodb"]["NewImage"]["tier"]
    result = notify_tier_changes({"Records": [record]}, Outbox())
    assert result.response() == {
        "batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
    }


def test_a_received_message_parses_back_to_the_event_raw_or_in_the_sns_envelope() -> None:
    event = TierChanged(
        "c-1/v4", "c-1", Tier.SILVER, Tier.GOLD, 120_000, "2026-11-24T12:00:00.000Z"
    )
    body = json.dumps(tier_changed_body(event))
    envelope = json.dumps({"Type": "Notification", "TopicArn": "arn:x", "Message": body})
    assert parse_tier_changed(body) == event
    assert parse_tier_changed(envelope) == event


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"to": "PLATINUM"}, "to"),
        ({"qualifyingPoints": "120000"}, "qualifyingPoints"),
        ({"eventType": "TierLost"}, "eventType"),
    ],
)
def test_a_received_message_with_a_wrong_field_is_refused_naming_it(
    change: dict[str, Any], field: str
) -> None:
    event = TierChanged("c-1/v4", "c-1", Tier.SILVER, Tier.GOLD, 120_000, "2026-11-24T12:00:00Z")
    body = {**tier_changed_body(event), **change}
    with pytest.raises(InvalidEventMessage, match=f"^{field}: "):
        parse_tier_changed(json.dumps(body))


def test_the_json_schema_requires_every_field_and_names_the_tiers() -> None:
    schema = tier_changed_json_schema()
    assert set(schema["required"]) == {
        "eventType",
        "eventId",
        "customerId",
        "from",
        "to",
        "qualifyingPoints",
        "occurredAt",
    }
    assert "GOLD" in json.dumps(schema)
