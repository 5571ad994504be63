"""Aggregation against the in-memory repository: one write per customer, exactly-once, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from loyalty import (
    AggregateCache,
    CustomerAggregate,
    InMemoryLoyaltyRepository,
    Lot,
    Tier,
    aggregate_stream_event,
    ingest_sqs_event,
)
from tests.support.builders import (
    booking_body,
    sqs_event,
    sqs_record,
    stream_record,
    transaction_image,
)


def aggregate(repository: InMemoryLoyaltyRepository, *records: dict[str, Any], **kw: Any) -> Any:
    return aggregate_stream_event(
        {"Records": list(records)}, repository, cache=kw.pop("cache", AggregateCache()), **kw
    )


def insert(customer: str, booking: str, points: int, **kw: Any) -> dict[str, Any]:
    return stream_record(None, transaction_image(customer, booking, points), **kw)


def test_deltas_are_summed_into_one_write_per_customer() -> None:
    repository = InMemoryLoyaltyRepository()
    records = [insert(f"c-{n % 3}", f"b-{n}", 10_000) for n in range(9)]
    result = aggregate(repository, *records)
    assert result.response() == {"batchItemFailures": []}
    assert repository.write_count == 3
    assert result.counts["aggregate_writes"] == 3
    for customer in ("c-0", "c-1", "c-2"):
        stored = repository.get_aggregate(customer)
        assert stored is not None
        assert stored.points == 30_000


def test_the_tier_is_computed_from_the_running_total_not_the_batch_delta() -> None:
    repository = InMemoryLoyaltyRepository()
    aggregate(repository, insert("c-1", "b-1", 45_000))
    aggregate(repository, insert("c-1", "b-2", 10_000))
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert (stored.points, stored.tier) == (55_000, Tier.SILVER)


def test_redelivered_records_are_not_applied_twice_even_with_a_cold_cache() -> None:
    repository = InMemoryLoyaltyRepository()
    records = [insert("c-1", f"b-{n}", 1_000) for n in range(3)]
    aggregate(repository, *records)
    again = aggregate(repository, *records, insert("c-1", "b-9", 500))
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.points == 3_500
    assert again.counts["duplicates"] == 3
    assert again.counts["applied"] == 1


def test_a_fully_applied_redelivery_writes_nothing() -> None:
    repository = InMemoryLoyaltyRepository()
    cache = AggregateCache()
    records = [insert("c-1", f"b-{n}", 1_000) for n in range(3)]
    aggregate(repository, *records, cache=cache)
    writes = repository.write_count
    aggregate(repository, *records, cache=cache)
    assert repository.write_count == writes


def test_a_stale_cache_costs_a_retry_not_a_wrong_total() -> None:
    repository = InMemoryLoyaltyRepository()
    stale = AggregateCache()
    aggregate(repository, insert("c-1", "b-1", 1_000), cache=stale)
    aggregate(repository, insert("c-1", "b-2", 2_000))  # another process moves the aggregate on
    aggregate(repository, insert("c-1", "b-3", 4_000), cache=stale)
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.points == 7_000


def test_revocation_and_early_removal_lower_points_and_tier() -> None:
    repository = InMemoryLoyaltyRepository()
    active = transaction_image("c-1", "b-1", 60_000)
    revoked = transaction_image("c-1", "b-1", 60_000, status="REVOKED")
    other = transaction_image("c-1", "b-2", 55_000)
    aggregate(repository, stream_record(None, active), stream_record(None, other))
    assert repository.get_summary("c-1").tier is Tier.GOLD
    result = aggregate(
        repository, stream_record(active, revoked), stream_record(other, None, ttl=True)
    )
    # A TTL deletion before the lot's expiry takes the points out, like a manual one.
    assert (result.counts["removed_unexpired"], result.counts["expired"]) == (1, 0)
    summary = repository.get_summary("c-1")
    assert (summary.points, summary.tier, summary.remaining_points) == (0, Tier.BRONZE, 50_000)


def test_points_stop_counting_at_their_lots_expiry_and_the_late_ttl_removal_changes_nothing() -> (
    None
):
    repository = InMemoryLoyaltyRepository()
    lot_a, lot_b = 1_900_000_000, 1_900_086_400
    first = transaction_image("c-1", "b-1", 40_000, expires_at=lot_a)
    second = transaction_image("c-1", "b-2", 30_000, expires_at=lot_a)
    third = transaction_image("c-1", "b-3", 20_000, expires_at=lot_b)
    before = datetime.fromtimestamp(lot_a - 1, UTC)
    aggregate(
        repository,
        *(stream_record(None, image) for image in (first, second, third)),
        now=lambda: before,
    )
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.lots == (Lot(lot_a, 70_000, 70_000), Lot(lot_b, 20_000, 20_000))
    assert (stored.qualifying_points, stored.tier) == (90_000, Tier.SILVER)
    expiry = datetime.fromtimestamp(lot_a, UTC)
    summary = repository.get_summary("c-1", at=expiry)
    assert (summary.points, summary.qualifying_points, summary.tier) == (
        20_000,
        20_000,
        Tier.BRONZE,
    )

    after = expiry + timedelta(hours=6)
    result = aggregate(repository, stream_record(first, None, ttl=True), now=lambda: after)
    assert (result.counts["expired"], result.counts["removed_unexpired"]) == (1, 0)
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.lots == (Lot(lot_b, 20_000, 20_000),)  # the expired lot was pruned
    assert (stored.points, stored.tier) == (20_000, Tier.BRONZE)


def test_an_earning_in_a_lot_that_has_already_expired_changes_nothing() -> None:
    repository = InMemoryLoyaltyRepository()
    stale = transaction_image("c-1", "b-1", 5_000, expires_at=1_900_000_000)
    later = datetime.fromtimestamp(1_900_000_001, UTC)
    result = aggregate(repository, stream_record(None, stale), now=lambda: later)
    assert result.counts["applied"] == 1
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert (stored.lots, stored.points) == ((), 0)


def test_a_batch_starting_with_a_removal_never_goes_negative() -> None:
    repository = InMemoryLoyaltyRepository()
    result = aggregate(repository, stream_record(transaction_image("c-1", "b-1", 900), None))
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.points == 0
    assert result.counts["clamped"] == 1


def test_non_transaction_records_are_skipped() -> None:
    repository = InMemoryLoyaltyRepository()
    agg = {"pk": {"S": "AGG#c-1"}, "sk": {"S": "AGG"}, "points": {"N": "1"}}
    result = aggregate(repository, stream_record(None, agg))
    assert result.counts["skipped"] == 1
    assert repository.write_count == 0


class FailingFor(InMemoryLoyaltyRepository):
    def __init__(self, customer: str) -> None:
        super().__init__()
        self.failing = customer

    def save_aggregate(self, aggregate: CustomerAggregate, expected: Any) -> None:
        if aggregate.customer_id == self.failing:
            raise ConnectionError("throttled")
        super().save_aggregate(aggregate, expected)


def test_a_failed_customer_reports_its_earliest_record_and_others_still_land() -> None:
    repository = FailingFor("c-2")
    records = [
        insert("c-1", "b-1", 100, sequence_number=1),
        insert("c-2", "b-2", 200, sequence_number=2),
        insert("c-1", "b-3", 300, sequence_number=3),
        insert("c-2", "b-4", 400, sequence_number=4),
        insert("c-3", "b-5", 500, sequence_number=5),
    ]
    result = aggregate(repository, *records)
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert repository.get_summary("c-1").points == 400
    assert repository.get_summary("c-3").points == 500
    # Lambda retries from record 2: c-1's and c-3's later records come again and are skipped.
    repository.failing = ""
    retry = aggregate(repository, *records[1:])
    assert retry.response() == {"batchItemFailures": []}
    assert [repository.get_summary(c).points for c in ("c-1", "c-2", "c-3")] == [400, 600, 500]


def test_an_unreadable_record_is_reported_and_the_rest_of_the_batch_lands() -> None:
    repository = InMemoryLoyaltyRepository()
    broken = stream_record(None, {**transaction_image("c-9", "b-9"), "points": {"S": "x"}})
    good = insert("c-1", "b-1", 100)
    result = aggregate(repository, broken, good)
    assert result.response() == {
        "batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]
    }
    assert repository.get_summary("c-1").points == 100


def test_ingest_then_aggregate_through_the_fakes_stream_counts_each_booking_once() -> None:
    from loyalty import ingest_sqs_event
    from tests.support.builders import booking_body, sqs_event, sqs_record

    repository = InMemoryLoyaltyRepository()
    confirm = sqs_record(booking_body("c-1", "b-1", 30_000))
    other = sqs_record(booking_body("c-1", "b-2", 25_000))
    cancel = sqs_record(booking_body("c-1", "b-1", 30_000), status="cancelled")
    ingest_sqs_event(sqs_event(confirm, confirm, other, confirm), repository)
    event = repository.take_stream_event()
    assert len(event["Records"]) == 2  # duplicates change nothing, so they reach no stream
    aggregate(repository, *event["Records"])
    assert repository.get_summary("c-1").tier is Tier.SILVER
    ingest_sqs_event(sqs_event(cancel, cancel), repository)
    repository.remove_transaction("c-1", "b-2", by_ttl=True)
    result = aggregate(repository, *repository.take_stream_event()["Records"])
    assert result.counts["removed_unexpired"] == 1
    assert result.counts["skipped"] == 1  # the aggregate's own record
    assert repository.get_summary("c-1").points == 0


def test_the_default_cache_never_carries_one_ledgers_aggregate_into_another() -> None:
    # Two ledgers with a customer of the same id, aggregated in one process without an explicit
    # cache: the second must not mistake its stream records for ones already applied.
    for _ in range(2):
        repository = InMemoryLoyaltyRepository()
        body = booking_body("customer-1", "booking-1", 60_000)
        ingest_sqs_event(sqs_event(sqs_record(body)), repository)
        aggregate_stream_event(repository.take_stream_event(), repository)
        assert repository.get_summary("customer-1").points == 60_000
