"""A customer's aggregate deleted by hand is noticed, reported and counted, with the repair command.

A MODIFY or REMOVE record of a transaction proves its INSERT came first on the same shard and was
applied, so the aggregate must exist; if none is stored (or the stored one vanished under a write),
it was lost, and the batch would otherwise silently write only its own delta.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from loyalty import AggregateCache, InMemoryLoyaltyRepository, aggregate_stream_event
from tests.support.builders import stream_record, transaction_image

if TYPE_CHECKING:
    import pytest


def aggregate(repository: InMemoryLoyaltyRepository, cache: AggregateCache, *records: Any) -> Any:
    return aggregate_stream_event({"Records": list(records)}, repository, cache=cache)


ACTIVE = transaction_image("c-1", "b-1", 1_000)
REVOKED = transaction_image("c-1", "b-1", 1_000, status="REVOKED")
OTHER = transaction_image("c-1", "b-2", 500)


def history(repository: InMemoryLoyaltyRepository, cache: AggregateCache) -> None:
    aggregate(repository, cache, stream_record(None, ACTIVE), stream_record(None, OTHER))
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.points == 1_500


def test_a_revoke_for_a_customer_whose_aggregate_was_deleted_is_reported_with_the_repair_command(
    caplog: pytest.LogCaptureFixture,
) -> None:
    repository = InMemoryLoyaltyRepository()
    history(repository, AggregateCache())
    repository.remove_aggregate("c-1")
    with caplog.at_level(logging.ERROR, logger="loyalty.services.aggregate"):
        result = aggregate(repository, AggregateCache(), stream_record(ACTIVE, REVOKED))
    assert result.counts["missing_aggregates"] == 1
    (line,) = [r for r in caplog.records if "missing" in r.getMessage()]
    assert "loyalty backfill --customer c-1" in line.getMessage()
    assert getattr(line, "customer_id", None) == "c-1"


def test_a_deletion_behind_the_warm_cache_is_noticed_when_the_conditional_write_finds_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    repository = InMemoryLoyaltyRepository()
    cache = AggregateCache()
    history(repository, cache)
    repository.remove_aggregate("c-1")
    with caplog.at_level(logging.ERROR, logger="loyalty.services.aggregate"):
        result = aggregate(
            repository, cache, stream_record(None, transaction_image("c-1", "b-3", 10))
        )
    assert result.counts["missing_aggregates"] == 1
    assert "loyalty backfill --customer c-1" in caplog.text


def test_an_expiry_for_a_customer_without_an_aggregate_is_reported_too() -> None:
    repository = InMemoryLoyaltyRepository()
    history(repository, AggregateCache())
    repository.remove_aggregate("c-1")
    result = aggregate(repository, AggregateCache(), stream_record(OTHER, None, ttl=True))
    assert result.counts["missing_aggregates"] == 1


def test_a_new_customers_first_batch_with_an_insert_and_its_revoke_is_not_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    repository = InMemoryLoyaltyRepository()
    with caplog.at_level(logging.ERROR, logger="loyalty.services.aggregate"):
        result = aggregate(
            repository,
            AggregateCache(),
            stream_record(None, ACTIVE),
            stream_record(ACTIVE, REVOKED),
        )
    assert result.counts["missing_aggregates"] == 0
    assert not caplog.records
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.points == 0
