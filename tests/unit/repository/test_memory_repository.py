"""The in-memory repository: one customer's ledger from their transactions; many aggregates."""

from __future__ import annotations

from dataclasses import replace

from loyalty import (
    AggregateConflict,
    AggregateSave,
    CustomerAggregate,
    InMemoryLoyaltyRepository,
    Tier,
)
from tests.support.builders import active_transaction


def test_a_customers_ledger_lists_only_their_transactions_by_booking_id_without_removed_ones() -> (
    None
):
    repository = InMemoryLoyaltyRepository()
    for customer, booking in [("c-1", "b-3"), ("c-2", "b-1"), ("c-1", "b-1"), ("c-1", "b-2")]:
        repository.record_transaction(active_transaction(customer, booking))
    repository.revoke_transaction(active_transaction("c-1", "b-9"))
    repository.remove_transaction("c-1", "b-2")

    listed = repository.list_transactions("c-1")

    assert [(t.customer_id, t.booking_id) for t in listed] == [
        ("c-1", "b-1"),
        ("c-1", "b-3"),
        ("c-1", "b-9"),
    ]
    assert repository.list_transactions("c-3") == []


def test_saving_many_aggregates_stores_each_whose_expectation_holds_and_reports_the_others() -> (
    None
):
    repository = InMemoryLoyaltyRepository()
    first = CustomerAggregate("c-1", 100, Tier.BRONZE, (), version=1)
    repository.save_aggregate(first, None)
    stale = CustomerAggregate("c-1", 50, Tier.BRONZE, (), version=0)
    failures = repository.save_aggregates(
        [
            AggregateSave(replace(first, points=200, version=2), stale),
            AggregateSave(CustomerAggregate("c-2", 10, Tier.BRONZE, (), version=1), None),
        ]
    )
    assert set(failures) == {"c-1"}
    conflict = failures["c-1"]
    assert isinstance(conflict, AggregateConflict)
    assert conflict.current == first
    assert repository.get_aggregate("c-2") is not None
    assert repository.write_count == 3
