"""show and backfill against moto: drift is reported, fixed only when provable, and gone after."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from loyalty import Lot, Tier, tier_of
from loyalty.domain.aggregates import CustomerAggregate
from tests.support.builders import active_transaction

if TYPE_CHECKING:
    from collections.abc import Callable

    from loyalty import DynamoDBLoyaltyRepository
    from tests.functional.cli.conftest import Cli

EXPIRY = int(time.time()) + 86_400
EARNED_AT = "2026-11-01T10:00:00.000Z"
"""When the test ledgers changed: long enough ago that no stream record can still be in flight."""


def earn(
    repository: DynamoDBLoyaltyRepository,
    customer: str,
    booking: str,
    points: int,
    created_at: str = EARNED_AT,
) -> None:
    repository.record_transaction(
        replace(
            active_transaction(customer, booking, points, expires_at=EXPIRY), created_at=created_at
        )
    )


def store(
    repository: DynamoDBLoyaltyRepository,
    customer: str,
    points: int,
    applied_change_at: str | None = EARNED_AT,
) -> None:
    """Set the stored aggregate as the aggregator would have (possibly wrongly)."""
    current = repository.get_aggregate(customer)
    aggregate = CustomerAggregate(
        customer,
        points,
        tier_of(points),
        (Lot(EXPIRY, points, points),) if points else (),
        qualifying_points=points,
        applied_change_at=applied_change_at,
        version=(current.version if current else 0) + 1,
    )
    repository.save_aggregate(aggregate, current)


def test_show_prints_points_tier_and_the_way_to_the_next_tier(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    earn(repository, "c-1", "b-1", 60_000)
    store(repository, "c-1", 60_000)
    shown = cli.json("show", "c-1")
    assert (shown["points"], shown["level"], shown["remainingPoints"]) == (60_000, "SILVER", 40_000)
    assert (shown["qualifyingPoints"], shown["heldPoints"], shown["arrears"]) == (60_000, 0, 0)
    assert [lot["points"] for lot in shown["expiring"]] == [60_000]
    assert (shown["nextLevel"], shown["ledgerBalance"]) == ("GOLD", 60_000)
    assert [t["bookingId"] for t in shown["transactions"]] == ["b-1"]
    table = cli("show", "c-1")
    assert table.exit_code == 0
    assert "spendable points   60,000" in table.stdout
    assert "qualifying points  60,000" in table.stdout
    assert "next expiring      60,000 points at " in table.stdout
    assert "GOLD in 40,000 points" in table.stdout
    assert "━" in table.stdout
    assert "20%" in table.stdout
    assert "note:" not in table.stdout


def test_show_of_an_unknown_customer_is_bronze_with_zero_points(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    shown = cli.json("show", "nobody")
    assert (shown["points"], shown["level"], shown["remainingPoints"]) == (0, "BRONZE", 50_000)
    assert shown["transactions"] == []


def test_show_points_out_a_ledger_that_disagrees_with_the_aggregate(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    earn(repository, "c-1", "b-1", 700)
    result = cli("show", "c-1")
    assert "note: the ledger holds 700 points" in result.stdout
    assert "loyalty backfill --customer c-1 --dry-run" in result.stdout


def test_backfill_of_one_customer_reports_drift_and_fixes_it(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    earn(repository, "c-1", "b-1", 30_000)
    earn(repository, "c-1", "b-2", 30_000)
    store(repository, "c-1", 30_000)

    dry = cli.json("backfill", "--customer", "c-1", "--dry-run")
    assert dry["customers"] == [
        {
            "customerId": "c-1",
            "stored": 30_000,
            "ledger": 60_000,
            "drift": 30_000,
            "action": "would_fix",
            "upgrade": False,
            "inFlight": 0,
        }
    ]
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.points == 30_000

    fixed = cli.json("backfill", "--customer", "c-1", "--yes")
    assert (fixed["fixed"], fixed["customers"][0]["action"]) == (1, "fixed")
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert (stored.points, stored.tier, stored.lots) == (
        60_000,
        Tier.SILVER,
        (Lot(EXPIRY, 60_000, 60_000),),
    )
    assert cli.json("backfill", "--customer", "c-1")["drifted"] == 0


def test_backfill_of_every_customer_finds_each_kind_of_drift_and_fixes_it(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    earn(repository, "in-step", "b-1", 100)
    store(repository, "in-step", 100)
    earn(repository, "counted-twice", "b-1", 100)
    store(repository, "counted-twice", 200)
    earn(repository, "never-aggregated", "b-1", 300)
    store(repository, "all-expired", 500)
    repository.save_aggregate(CustomerAggregate("written-by-v1", 10, Tier.BRONZE, None), None)
    earn(repository, "written-by-v1", "b-1", 10)

    dry = cli.json("backfill", "--segments", "3", "--dry-run")
    assert dry["checked"] == 5
    drift = {c["customerId"]: (c["stored"], c["ledger"], c["upgrade"]) for c in dry["customers"]}
    assert drift == {
        "all-expired": (500, 0, False),
        "counted-twice": (200, 100, False),
        "never-aggregated": (0, 300, False),
        "written-by-v1": (10, 10, True),
    }

    result = cli("backfill", "--segments", "3", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Fix the aggregates of 4 customer(s)" in result.stderr
    assert "Drift in 4 of 5 customer(s)" in result.stdout
    for customer, points in [
        ("all-expired", 0),
        ("counted-twice", 100),
        ("never-aggregated", 300),
        ("written-by-v1", 10),
    ]:
        aggregate = repository.get_aggregate(customer)
        assert aggregate is not None
        assert (aggregate.points, aggregate.has_lots) == (points, True)
    assert cli.json("backfill", "--segments", "2")["drifted"] == 0
    assert "No drift: 5 customer(s) checked." in cli("backfill").stdout


def test_backfill_retries_a_fix_that_lost_a_race_and_then_succeeds(
    cli: Cli, repository: DynamoDBLoyaltyRepository, fail_calls: Callable[..., None]
) -> None:
    earn(repository, "c-1", "b-1", 100)
    fail_calls("dynamodb", "PutItem", "ConditionalCheckFailedException", 1)
    fixed = cli.json("backfill", "--customer", "c-1", "--yes")
    assert fixed["customers"][0]["action"] == "fixed"
    aggregate = repository.get_aggregate("c-1")
    assert aggregate is not None
    assert aggregate.points == 100


def test_backfill_gives_up_on_an_aggregate_that_keeps_changing_with_one_line(
    cli: Cli, repository: DynamoDBLoyaltyRepository, fail_calls: Callable[..., None]
) -> None:
    earn(repository, "c-1", "b-1", 100)
    fail_calls("dynamodb", "PutItem", "ConditionalCheckFailedException")
    result = cli("backfill", "--customer", "c-1", "--yes")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: 1 aggregate(s) kept changing while being fixed (c-1); run backfill again\n"
    )
    assert repository.get_aggregate("c-1") is None


def test_backfill_asks_before_fixing_and_declining_writes_nothing(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    earn(repository, "c-1", "b-1", 100)
    result = cli("backfill", input="n\n")
    assert result.exit_code == 1
    assert repository.get_aggregate("c-1") is None


def test_backfill_reports_a_customer_with_changes_in_flight_and_writes_nothing(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    earn(repository, "c-1", "b-1", 100)
    store(repository, "c-1", 100)
    # Written after the newest change the aggregate applied: its record is still on its way.
    earn(repository, "c-1", "b-2", 50, created_at="2099-01-01T00:00:00.000Z")
    result = cli("--output", "json", "backfill", "--customer", "c-1", "--yes")
    assert result.exit_code == 1
    assert "not yet applied by the aggregator (c-1)" in result.stderr
    aggregate = repository.get_aggregate("c-1")
    assert aggregate is not None
    # Writing the ledger's 150 now would count b-2 twice when its record arrives.
    assert (aggregate.points, aggregate.version) == (100, 1)
