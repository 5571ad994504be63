"""A booking event older than the points' lifetime is refused: its transaction may be gone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from loyalty import InMemoryLoyaltyRepository, ingest_sqs_event
from tests.support.builders import FIXED_NOW, booking_body, sqs_event, sqs_record

YEAR = timedelta(days=365)


def sent_at(record: dict[str, Any], moment: datetime) -> dict[str, Any]:
    record["attributes"]["SentTimestamp"] = str(int(moment.timestamp() * 1000))
    return record


def published_at(record: dict[str, Any], moment: datetime) -> dict[str, Any]:
    envelope = json.loads(record["body"])
    envelope["Timestamp"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    record["body"] = json.dumps(envelope)
    return record


def ingest_at(moment: datetime, repository: InMemoryLoyaltyRepository, *records: Any) -> Any:
    return ingest_sqs_event(sqs_event(*records), repository, now=lambda: moment)


def test_a_confirm_redelivered_after_its_transaction_expired_is_refused_not_credited_again() -> (
    None
):
    repository = InMemoryLoyaltyRepository()
    first = sent_at(sqs_record(booking_body(), message_id="m-1"), FIXED_NOW)
    assert ingest_at(FIXED_NOW, repository, first).outcomes == {"created": 1}
    repository.remove_transaction("customer-1", "booking-1", by_ttl=True)

    later = FIXED_NOW + YEAR + timedelta(days=2)
    result = ingest_at(later, repository, first)
    assert list(result.failures) == ["m-1"]
    reason = result.failures["m-1"]
    assert reason.startswith("rejected: attributes.SentTimestamp: sent 2026-11-24T12:00:00.000Z")
    assert "older than the points' lifetime (365 days)" in reason
    assert repository.get_transaction("customer-1", "booking-1") is None


def test_the_sns_publish_time_counts_when_a_replay_gave_the_message_a_new_sent_time() -> None:
    repository = InMemoryLoyaltyRepository()
    now = FIXED_NOW + YEAR + timedelta(days=1)
    replayed = sqs_record(booking_body(), envelope=True, message_id="m-1")
    replayed = sent_at(published_at(replayed, FIXED_NOW), now - timedelta(minutes=1))
    result = ingest_at(now, repository, replayed)
    assert result.failures["m-1"].startswith("rejected: Timestamp: sent 2026-11-24T12:00:00.000Z")
    assert repository.write_count == 0


def test_an_event_younger_than_the_lifetime_is_ingested() -> None:
    repository = InMemoryLoyaltyRepository()
    now = FIXED_NOW + YEAR - timedelta(seconds=1)
    record = sqs_record(booking_body(), envelope=True)
    result = ingest_at(now, repository, sent_at(published_at(record, FIXED_NOW), FIXED_NOW))
    assert result.outcomes == {"created": 1}


def test_a_fake_booking_is_judged_by_the_fake_lifetime() -> None:
    repository = InMemoryLoyaltyRepository()
    record = sqs_record(booking_body(), attributes={"Booking.Fake": "true"}, message_id="m-1")
    result = ingest_at(FIXED_NOW + timedelta(days=1), repository, sent_at(record, FIXED_NOW))
    assert "older than the points' lifetime (1 day)" in result.failures["m-1"]


def test_a_stale_event_fails_alone_and_the_rest_of_the_batch_is_written() -> None:
    repository = InMemoryLoyaltyRepository()
    now = FIXED_NOW + 2 * YEAR
    stale = sent_at(sqs_record(booking_body("c-1", "b-1"), message_id="stale"), FIXED_NOW)
    fresh = sent_at(sqs_record(booking_body("c-2", "b-2"), message_id="fresh"), now)
    result = ingest_at(now, repository, stale, fresh)
    assert list(result.failures) == ["stale"]
    assert result.outcomes == {"rejected": 1, "created": 1}


@pytest.mark.parametrize(
    ("field", "value"),
    [("SentTimestamp", "yesterday"), ("SentTimestamp", 5), ("Timestamp", "not a time")],
)
def test_an_unreadable_send_time_is_an_error_naming_it(field: str, value: Any) -> None:
    repository = InMemoryLoyaltyRepository()
    record = sqs_record(booking_body(), envelope=field == "Timestamp", message_id="m-1")
    if field == "Timestamp":
        envelope = json.loads(record["body"])
        envelope["Timestamp"] = value
        record["body"] = json.dumps(envelope)
        expected = "rejected: Timestamp: "
    else:
        record["attributes"]["SentTimestamp"] = value
        expected = "rejected: attributes.SentTimestamp: "
    result = ingest_at(FIXED_NOW, repository, record)
    assert result.failures["m-1"].startswith(expected)
