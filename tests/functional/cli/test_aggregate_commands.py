"""show and backfill against moto: drift is reported, fixed without racing, and gone after."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from loyalty import Tier
from loyalty.domain.aggregates import CustomerAggregate
from loyalty.services.backfill import reconcile_aggregate
from tests.support.builders import active_transaction

if TYPE_CHECKING:
    from collections.abc import Callable

    import pytest

    from loyalty import DynamoDBLoyaltyRepository
    from tests.functional.cli.conftest import Cli


def earn(repository: DynamoDBLoyaltyRepository, customer: str, booking: str, points: int) -> None:
    repository.record_transaction(
        active_transaction(customer, booking, points, expires_at=int(time.time()) + 86_400)
    )


def store(repository: DynamoDBLoyaltyRepository, customer: str, points: int) -> None:
    """Set the stored aggregate as the aggregator would have (possibly wrongly)."""
    assert reconcile_aggregate(repository, customer, points, repository.get_aggregate(customer))


def test_show_prints_points_tier_and_the_way_to_the_next_tier(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    earn(repository, "c-1", "b-1", 60_000)
    store(repository, "c-1", 60_000)
    shown = cli.json("show", "c-1")
    assert (shown["points"], shown["level"], shown["remainingPoints"]) == (60_000, "SILVER", 40_000)
    assert (shown["nextLevel"], shown["ledgerBalance"]) == ("GOLD", 60_000)
    assert [t["bookingId"] for t in shown["transactions"]] == ["b-1"]
    table = cli("show", "c-1")
    assert table.exit_code == 0
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
        }
    ]
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert stored.points == 30_000

    fixed = cli.json("backfill", "--customer", "c-1", "--yes")
    assert (fixed["fixed"], fixed["customers"][0]["action"]) == (1, "fixed")
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert (stored.points, stored.tier) == (60_000, Tier.SILVER)
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
    repository.save_aggregate(CustomerAggregate("wrong-tier", 10, Tier.GOLD), None)
    earn(repository, "wrong-tier", "b-1", 10)

    dry = cli.json("backfill", "--segments", "3", "--dry-run")
    assert dry["checked"] == 5
    drift = {c["customerId"]: (c["stored"], c["ledger"]) for c in dry["customers"]}
    assert drift == {
        "all-expired": (500, 0),
        "counted-twice": (200, 100),
        "never-aggregated": (0, 300),
        "wrong-tier": (10, 10),
    }

    result = cli("backfill", "--segments", "3", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Fix the aggregates of 4 customer(s)" in result.stderr
    assert "Drift in 4 of 5 customer(s)" in result.stdout
    for customer, points in [("all-expired", 0), ("counted-twice", 100), ("never-aggregated", 300)]:
        aggregate = repository.get_aggregate(customer)
        assert aggregate is not None
        assert aggregate.points == points
    wrong_tier = repository.get_aggregate("wrong-tier")
    assert wrong_tier is not None
    assert wrong_tier.tier is Tier.BRONZE
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


def test_backfill_does_not_touch_a_customer_whose_aggregator_catches_up_while_settling(
    cli: Cli, repository: DynamoDBLoyaltyRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    earn(repository, "c-1", "b-1", 100)  # in the ledger; its stream record not yet aggregated

    def aggregator_catches_up(seconds: float) -> None:
        assert seconds == 2.5
        store(repository, "c-1", 100)

    monkeypatch.setattr("loyalty_cli.commands.backfill.time.sleep", aggregator_catches_up)
    result = cli.json("backfill", "--customer", "c-1", "--yes", "--settle", "2.5")
    assert [c["action"] for c in result["customers"]] == ["ok"]
    aggregate = repository.get_aggregate("c-1")
    assert aggregate is not None
    assert (aggregate.points, aggregate.version) == (100, 1)  # the aggregator's write stands


def test_backfill_leaves_a_customer_still_moving_after_settling_for_the_next_run(
    cli: Cli, repository: DynamoDBLoyaltyRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    earn(repository, "c-1", "b-1", 100)
    store(repository, "c-1", 100)
    earn(repository, "c-1", "b-2", 50)  # in flight: backfill sees 100 stored against 150

    def more_traffic_arrives(seconds: float) -> None:
        store(repository, "c-1", 150)  # the aggregator applies b-2 ...
        earn(repository, "c-1", "b-3", 25)  # ... while b-3 is written and still in flight

    monkeypatch.setattr("loyalty_cli.commands.backfill.time.sleep", more_traffic_arrives)
    result = cli("--output", "json", "backfill", "--customer", "c-1", "--yes")
    assert result.exit_code == 1
    assert "changed while settling (c-1)" in result.stderr
    aggregate = repository.get_aggregate("c-1")
    assert aggregate is not None
    # Writing the ledger's 175 now would count b-3 twice when its record arrives.
    assert aggregate.points == 150
