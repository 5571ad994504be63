"""Revoke: an operator revokes one booking's transaction by hand, as a cancellation would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from loyalty.domain.clock import Clock, utc_now
from loyalty.domain.transactions import TransactionStatus
from loyalty.errors import TransactionNotFound
from loyalty.inbound.identifiers import require_identifier

if TYPE_CHECKING:
    from collections.abc import Callable

    from loyalty.domain.transactions import Transaction
    from loyalty.repository.base import LoyaltyRepository

__all__ = ["Revocation", "revoke_booking"]


@dataclass(frozen=True, slots=True)
class Revocation:
    """The transaction as found, and what happened: a repository outcome or ``would_revoke``."""

    transaction: Transaction
    outcome: str


def revoke_booking(
    repository: LoyaltyRepository,
    customer_id: str,
    booking_id: str,
    *,
    dry_run: bool = False,
    approve: Callable[[Transaction], None] = lambda _: None,
    now: Clock = utc_now,
) -> Revocation:
    """Revoke the booking's transaction so its points stop counting (idempotent).

    ``approve`` is called with the ACTIVE transaction before it is revoked (not on a dry run);
    raise to abort.

    Raises
    ------
    loyalty.errors.InvalidIdentifier
        If either id is not a valid id, saying which and why.
    TransactionNotFound
        If the booking has no transaction.
    """
    require_identifier("customer id", customer_id)
    require_identifier("booking id", booking_id)
    existing = repository.get_transaction(customer_id, booking_id)
    if existing is None:
        raise TransactionNotFound(customer_id, booking_id)
    if existing.status is TransactionStatus.REVOKED:
        return Revocation(existing, "already_revoked")
    if dry_run:
        return Revocation(existing, "would_revoke")
    approve(existing)
    return Revocation(existing, repository.revoke_transaction(existing.revoked(now())).value)
