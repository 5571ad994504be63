"""Redemptions through the sandbox over HTTP: earned through the pipeline, spent by the library.

Every DynamoDB request below goes over HTTP to moto's server, which the sandbox runs with its
conditional writes made atomic (docs/sandbox.md), and the reads go through the real GET handler.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from loyalty import (
    DynamoDBLoyaltyRepository,
    HoldExpired,
    InsufficientPoints,
    Redemption,
    RedemptionNotFound,
    RedemptionStatus,
    cancel,
    commit,
    customer_summary,
    get_redemption,
    reserve,
)
from tests.integration.pipeline import booking, get_points, publish, unique

if TYPE_CHECKING:
    from types import ModuleType

    from loyalty_sandbox import Sandbox

HOLD_TIMEOUT = timedelta(seconds=60)
CONCURRENT_RESERVES = 8
POINTS_PER_RESERVE = 3_000


def _repository(sandbox: Sandbox) -> DynamoDBLoyaltyRepository:
    return DynamoDBLoyaltyRepository(sandbox.client("dynamodb"), sandbox.resources.table_name)


def _read(get_function: ModuleType, customer: str) -> dict[str, int]:
    body = get_points(get_function, customer, full=True)
    return {name: body[name] for name in ("points", "heldPoints", "arrears", "qualifyingPoints")}


class _Clock:
    """Real time plus a skew the test moves forward, to reach a hold's timeout without waiting."""

    def __init__(self) -> None:
        self.skew = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.skew


def test_eight_concurrent_reserves_against_points_for_three_hold_exactly_three(
    sandbox: Sandbox, get_function: ModuleType
) -> None:
    customer = unique("redeem")
    publish(sandbox, [booking(customer, "b-1", 6_000), booking(customer, "b-2", 4_000)])
    sandbox.drain()
    assert _read(get_function, customer) == {
        "points": 10_000,
        "heldPoints": 0,
        "arrears": 0,
        "qualifyingPoints": 10_000,
    }
    clock = _Clock()
    start = threading.Barrier(CONCURRENT_RESERVES)

    def attempt(redemption_id: str) -> Redemption | InsufficientPoints:
        repository = _repository(sandbox)
        start.wait()
        try:
            return reserve(
                repository,
                customer,
                redemption_id,
                POINTS_PER_RESERVE,
                hold_timeout=HOLD_TIMEOUT,
                now=clock,
            )
        except InsufficientPoints as refused:
            return refused

    ids = [f"r-{index}" for index in range(CONCURRENT_RESERVES)]
    with ThreadPoolExecutor(CONCURRENT_RESERVES) as pool:
        outcomes = dict(zip(ids, pool.map(attempt, ids), strict=True))

    held = [outcome for outcome in outcomes.values() if isinstance(outcome, Redemption)]
    refused = {
        redemption_id: outcome
        for redemption_id, outcome in outcomes.items()
        if isinstance(outcome, InsufficientPoints)
    }
    assert len(held) == 3
    assert len(refused) == 5
    assert all(redemption.status is RedemptionStatus.HELD for redemption in held)
    # A reserve is refused only once the three holds are placed: each saw what they left.
    assert {error.available for error in refused.values()} == {10_000 - 3 * POINTS_PER_RESERVE}
    repository = _repository(sandbox)
    for refused_id in refused:
        with pytest.raises(RedemptionNotFound):
            get_redemption(repository, customer, refused_id)
    assert _read(get_function, customer) == {
        "points": 1_000,
        "heldPoints": 9_000,
        "arrears": 0,
        "qualifyingPoints": 10_000,
    }

    committed, cancelled, timed_out = (redemption.redemption_id for redemption in held)
    commit(repository, customer, committed, now=clock)
    assert _read(get_function, customer) == {
        "points": 1_000,
        "heldPoints": 6_000,
        "arrears": 0,
        "qualifyingPoints": 10_000,
    }
    cancel(repository, customer, cancelled, now=clock)
    assert _read(get_function, customer) == {
        "points": 4_000,
        "heldPoints": 3_000,
        "arrears": 0,
        "qualifyingPoints": 10_000,
    }

    clock.skew = HOLD_TIMEOUT + timedelta(seconds=1)
    after_timeout = customer_summary(repository, customer, at=clock())
    assert (after_timeout.points, after_timeout.held_points) == (7_000, 0)
    assert get_redemption(repository, customer, timed_out).status_at(clock()) is (
        RedemptionStatus.EXPIRED
    )
    with pytest.raises(HoldExpired):
        commit(repository, customer, timed_out, now=clock)
    statuses = {
        redemption_id: get_redemption(repository, customer, redemption_id).status_at(clock())
        for redemption_id in (committed, cancelled, timed_out)
    }
    assert statuses == {
        committed: RedemptionStatus.COMMITTED,
        cancelled: RedemptionStatus.CANCELLED,
        timed_out: RedemptionStatus.EXPIRED,
    }


def test_a_booking_cancelled_after_its_points_were_spent_leaves_arrears_repaid_by_later_earnings(
    sandbox: Sandbox, get_function: ModuleType
) -> None:
    customer = unique("arrears")
    publish(sandbox, [booking(customer, "spent", 5_000)])
    sandbox.drain()
    repository = _repository(sandbox)
    reserve(repository, customer, "all-of-it", 5_000)
    commit(repository, customer, "all-of-it")

    publish(sandbox, [booking(customer, "spent", 5_000, "cancelled")])
    sandbox.drain()
    assert _read(get_function, customer) == {
        "points": 0,
        "heldPoints": 0,
        "arrears": 5_000,
        "qualifyingPoints": 0,
    }
    with pytest.raises(InsufficientPoints) as refused:
        reserve(repository, customer, "while-in-arrears", 1)
    assert refused.value.available == 0

    publish(sandbox, [booking(customer, "later", 3_000)])
    sandbox.drain()
    assert _read(get_function, customer) == {
        "points": 0,
        "heldPoints": 0,
        "arrears": 2_000,
        "qualifyingPoints": 3_000,
    }
    publish(sandbox, [booking(customer, "later-still", 4_000)])
    sandbox.drain()
    assert _read(get_function, customer) == {
        "points": 2_000,
        "heldPoints": 0,
        "arrears": 0,
        "qualifyingPoints": 7_000,
    }


def test_a_cancelled_transaction_leaves_the_stream_flowing_to_the_aggregator(
    sandbox: Sandbox, get_function: ModuleType
) -> None:
    customer = unique("cancelled-txn")
    client = sandbox.client("dynamodb")
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": sandbox.resources.table_name,
                        "Item": {"pk": {"S": f"NOTHING#{customer}"}, "sk": {"S": "NOTHING"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                }
            ]
        )

    publish(sandbox, [booking(customer, "after", 2_500)])
    sandbox.drain()

    assert _read(get_function, customer)["points"] == 2_500
