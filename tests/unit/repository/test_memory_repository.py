"""The in-memory repository reads one customer's ledger from that customer's transactions."""

from __future__ import annotations

from loyalty import InMemoryLoyaltyRepository
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
