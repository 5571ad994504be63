"""The revoke service: one booking's transaction revoked by hand, idempotently."""

from __future__ import annotations

import pytest

from loyalty import InMemoryLoyaltyRepository, TransactionStatus
from loyalty.errors import TransactionNotFound
from loyalty.services.revoke import revoke_booking
from tests.support.builders import active_transaction, fixed_clock


@pytest.fixture
def repository() -> InMemoryLoyaltyRepository:
    repository = InMemoryLoyaltyRepository()
    repository.record_transaction(active_transaction("c-1", "b-1", 700))
    return repository


def test_revoking_asks_with_the_transaction_then_revokes_it(
    repository: InMemoryLoyaltyRepository,
) -> None:
    asked: list[int] = []
    revocation = revoke_booking(
        repository, "c-1", "b-1", approve=lambda found: asked.append(found.points), now=fixed_clock
    )
    assert (revocation.outcome, asked) == ("revoked", [700])
    stored = repository.get_transaction("c-1", "b-1")
    assert stored is not None
    assert stored.status is TransactionStatus.REVOKED


def test_a_dry_run_and_a_second_revoke_write_nothing(
    repository: InMemoryLoyaltyRepository,
) -> None:
    assert revoke_booking(repository, "c-1", "b-1", dry_run=True).outcome == "would_revoke"
    revoke_booking(repository, "c-1", "b-1")
    writes = repository.write_count
    assert revoke_booking(repository, "c-1", "b-1").outcome == "already_revoked"
    assert repository.write_count == writes


def test_an_unknown_booking_is_an_error_naming_it(repository: InMemoryLoyaltyRepository) -> None:
    with pytest.raises(TransactionNotFound, match="no transaction for booking 'b-9' of customer"):
        revoke_booking(repository, "c-1", "b-9")
