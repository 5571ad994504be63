"""Fake traffic: ACTIVE transactions of fake customers that expire quickly, for tests and demos.

They count towards the fake customers' points like real ones until DynamoDB's TTL removes them,
so a load test or demo exercises the whole pipeline, expiry included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from loyalty.concurrency import run_bounded
from loyalty.domain.clock import Clock, format_timestamp, utc_now
from loyalty.domain.transactions import (
    ExpiryPolicy,
    Transaction,
    TransactionStatus,
    new_transaction_id,
)
from loyalty.services.progress import OnProgress, no_progress

if TYPE_CHECKING:
    from collections.abc import Callable

    from loyalty.repository.base import LoyaltyRepository, WriteOutcome

__all__ = [
    "FAKE_BOOKING_PREFIX",
    "FAKE_CORRELATION_ID",
    "FAKE_CUSTOMER_PREFIX",
    "MAX_FAKE_LIFETIME",
    "FakeTraffic",
    "fake_customer_id",
    "issue_fake_traffic",
]

FAKE_CUSTOMER_PREFIX = "fake-customer-"
FAKE_BOOKING_PREFIX = "fake-"
FAKE_CORRELATION_ID = "loyalty-fake-issue"
MAX_FAKE_LIFETIME = timedelta(days=30)
"""Fake traffic must expire quickly; anything longer is a typo or the wrong tool."""


@dataclass(slots=True)
class FakeTraffic:
    """The fake transactions of one run and, unless it was a dry run, each write's outcome."""

    transactions: list[Transaction]
    outcomes: dict[str, WriteOutcome] = field(default_factory=dict)
    """Booking id -> what its write did."""


def fake_customer_id(number: int) -> str:
    """The id of fake customer ``number`` (1-based): ``fake-customer-0001``."""
    return f"{FAKE_CUSTOMER_PREFIX}{number:04d}"


def issue_fake_traffic(
    repository: LoyaltyRepository | None,
    *,
    customers: int = 1,
    count: int = 1,
    points: int = 100,
    expiry: ExpiryPolicy | None = None,
    workers: int = 8,
    approve: Callable[[list[Transaction]], None] = lambda _: None,
    now: Clock = utc_now,
    on_progress: OnProgress = no_progress,
) -> FakeTraffic:
    """Write ``count`` fake transactions of ``points`` each, round-robin over ``customers``.

    Customers are ``fake-customer-NNNN``, bookings ``fake-<KSUID>``; each transaction expires
    after ``expiry.fake`` (default one day). Writes go ``workers`` at a time.

    Parameters
    ----------
    repository
        Where to write; None for a dry run (the transactions are planned, not written).
    approve
        Called with the planned transactions before anything is written (not on a dry run);
        raise to abort.
    """
    lifetime = expiry or ExpiryPolicy()
    created = now()
    planned = [
        Transaction(
            transaction_id=new_transaction_id(created),
            customer_id=fake_customer_id(n % customers + 1),
            booking_id=f"{FAKE_BOOKING_PREFIX}{new_transaction_id(created)}",
            points=points,
            status=TransactionStatus.ACTIVE,
            created_at=format_timestamp(created),
            expires_at=lifetime.expires_at(created, fake=True),
            fake=True,
            correlation_id=FAKE_CORRELATION_ID,
        )
        for n in range(count)
    ]
    traffic = FakeTraffic(planned)
    if repository is None:
        return traffic
    approve(planned)
    for transaction, outcome in run_bounded(
        repository.record_transaction, planned, workers=workers
    ):
        traffic.outcomes[transaction.booking_id] = outcome
        on_progress("issuing", len(traffic.outcomes), count)
    return traffic
