"""redeem reserve/commit/cancel, and show/transactions listing holds, redemptions and arrears,
against moto."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from loyalty import CustomerAggregate, Lot, Tier, customer_summary, list_redemptions, reserve
from tests.support.builders import active_transaction

if TYPE_CHECKING:
    from loyalty import DynamoDBLoyaltyRepository
    from tests.functional.cli.conftest import Cli

NOW = int(time.time())
SOON = NOW + 86_400  # the lot that expires first is spent first
LATER = NOW + 30 * 86_400


@pytest.fixture
def repository(repository: DynamoDBLoyaltyRepository) -> DynamoDBLoyaltyRepository:
    """Customer c-1 can spend 500 points: 200 expiring in a day, 300 in a month."""
    lots = (Lot(SOON, 200, 200), Lot(LATER, 300, 300))
    repository.save_aggregate(CustomerAggregate("c-1", 500, Tier.BRONZE, lots, 500), None)
    return repository


def _lot(expiry: int) -> str:
    return datetime.fromtimestamp(expiry, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def test_reserve_holds_the_first_expiring_points_and_answers_in_json(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    held = cli.json("redeem", "reserve", "c-1", "r-1", "250", "--yes")
    assert (held["action"], held["dryRun"], held["status"], held["points"]) == (
        "reserve",
        False,
        "HELD",
        250,
    )
    assert held["allocation"] == [
        {"lot": _lot(SOON), "points": 200},
        {"lot": _lot(LATER), "points": 50},
    ]
    hold_ends = datetime.fromisoformat(held["holdExpiresAt"]).timestamp()
    assert NOW + 890 <= hold_ends <= time.time() + 901
    summary = customer_summary(repository, "c-1")
    assert (summary.points, summary.held_points) == (250, 250)


def test_reserve_asks_first_and_declining_writes_nothing(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    declined = cli("redeem", "reserve", "c-1", "r-1", "100", input="n\n")
    assert declined.exit_code == 1
    assert "Hold 100 points of c-1 for redemption r-1?" in declined.stderr
    assert "aborted: nothing was written" in declined.stderr
    assert list_redemptions(repository, "c-1") == []
    accepted = cli("redeem", "reserve", "c-1", "r-1", "100", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Held redemption r-1 of c-1 (100 points, HELD until " in accepted.stdout


def test_a_dry_run_says_what_would_happen_from_a_read_and_writes_nothing(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    text = cli("redeem", "reserve", "c-1", "r-1", "300", "--dry-run")
    assert text.exit_code == 0, text.output
    assert "Dry run: would hold redemption r-1 of c-1 (300 points, HELD until" in text.stdout
    assert "then: 200 spendable, 300 held, 0 arrears" in text.stdout
    preview = cli.json("redeem", "reserve", "c-1", "r-1", "300", "--dry-run")
    assert (preview["dryRun"], preview["status"]) == (True, "HELD")
    assert (preview["summary"]["points"], preview["summary"]["heldPoints"]) == (200, 300)
    assert list_redemptions(repository, "c-1") == []
    refused = cli("redeem", "reserve", "c-1", "r-1", "501", "--dry-run")
    assert refused.exit_code == 1
    assert refused.stderr == "error: customer c-1 has 500 spendable points, asked for 501\n"


def test_a_reserve_beyond_spendable_points_is_refused_in_one_line_and_records_nothing(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    result = cli("redeem", "reserve", "c-1", "r-1", "1200", "--yes")
    assert result.exit_code == 1
    assert result.stderr == "error: customer c-1 has 500 spendable points, asked for 1,200\n"
    assert list_redemptions(repository, "c-1") == []


def test_commit_spends_a_hold_and_a_repeat_answers_the_same_without_asking(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    assert cli("redeem", "reserve", "c-1", "r-1", "100", "--yes").exit_code == 0
    committed = cli("redeem", "commit", "c-1", "r-1", input="y\n")
    assert committed.exit_code == 0, committed.output
    assert "Commit redemption r-1 of c-1 (spend its 100 held points)?" in committed.stderr
    assert "Committed redemption r-1 of c-1 (100 points, COMMITTED)." in committed.stdout
    again = cli.json("redeem", "commit", "c-1", "r-1")  # nothing to write: nothing asked
    assert again["status"] == "COMMITTED"
    summary = customer_summary(repository, "c-1")
    assert (summary.points, summary.held_points) == (400, 0)


def test_cancel_refunds_a_committed_redemption_into_its_lots(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    assert cli("redeem", "reserve", "c-1", "r-1", "100", "--yes").exit_code == 0
    assert cli("redeem", "commit", "c-1", "r-1", "--yes").exit_code == 0
    dry = cli.json("redeem", "cancel", "c-1", "r-1", "--dry-run")
    assert (dry["status"], dry["summary"]["points"]) == ("CANCELLED", 500)
    assert customer_summary(repository, "c-1").points == 400
    cancelled = cli.json("redeem", "cancel", "c-1", "r-1", "--yes")
    assert (cancelled["action"], cancelled["status"]) == ("cancel", "CANCELLED")
    assert customer_summary(repository, "c-1").expiring == (
        Lot(SOON, 200, 200),
        Lot(LATER, 300, 300),
    )


@pytest.mark.parametrize("command", ["commit", "cancel"])
def test_an_unknown_redemption_is_one_line_and_exit_1(
    cli: Cli, repository: DynamoDBLoyaltyRepository, command: str
) -> None:
    result = cli("redeem", command, "c-1", "r-9", "--yes")
    assert result.exit_code == 1
    assert result.stderr == "error: no redemption 'r-9' of customer 'c-1'\n"


def test_a_timed_out_hold_a_cancelled_redemption_and_a_reused_id_are_refused_with_the_reason(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    an_hour_ago = datetime.fromtimestamp(NOW - 3_600, UTC)
    reserve(repository, "c-1", "r-old", 100, now=lambda: an_hour_ago)
    timed_out = cli("redeem", "commit", "c-1", "r-old", "--yes")
    assert timed_out.exit_code == 1
    assert timed_out.stderr == "error: the hold of redemption 'r-old' of customer 'c-1' timed out\n"
    assert cli("redeem", "reserve", "c-1", "r-1", "100", "--yes").exit_code == 0
    assert cli("redeem", "cancel", "c-1", "r-1", "--yes").exit_code == 0
    cancelled = cli("redeem", "commit", "c-1", "r-1", "--yes")
    assert cancelled.exit_code == 1
    assert cancelled.stderr == "error: redemption 'r-1' of customer 'c-1' was cancelled\n"
    reused = cli("redeem", "reserve", "c-1", "r-1", "150", "--yes")
    assert reused.exit_code == 1
    assert reused.stderr == "error: redemption 'r-1' of customer 'c-1' was made for 100 points\n"


def test_show_and_transactions_list_holds_redemptions_and_arrears(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    reserve(repository, "c-1", "r-held", 100)
    reserve(repository, "c-1", "r-old", 50, now=lambda: datetime.now(UTC) - timedelta(hours=1))
    shown = cli.json("show", "c-1")
    assert (shown["points"], shown["heldPoints"], shown["arrears"]) == (400, 100, 0)
    assert [h["redemptionId"] for h in shown["holds"]] == ["r-held"]
    assert shown["holds"][0]["points"] == 100
    statuses = {r["redemptionId"]: r["status"] for r in shown["redemptions"]}
    assert statuses == {"r-held": "HELD", "r-old": "EXPIRED"}
    listed = cli.json("transactions", "c-1")
    assert listed["holds"] == shown["holds"]
    assert listed["redemptions"] == shown["redemptions"]
    assert listed["arrears"] == 0
    table = cli("show", "c-1")
    assert table.exit_code == 0
    assert "held points" in table.stdout
    assert "Redemptions" in table.stdout
    assert "r-held" in table.stdout
    assert "EXPIRED" in table.stdout
    assert "in 14m" in table.stdout or "in 15m" in table.stdout


def test_arrears_are_shown_with_how_they_are_repaid(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    owing = CustomerAggregate("c-2", 0, Tier.BRONZE, (), 0, arrears=120)
    repository.save_aggregate(owing, None)
    assert cli.json("show", "c-2")["arrears"] == 120
    assert cli.json("transactions", "c-2")["arrears"] == 120
    shown = cli("show", "c-2")
    assert "arrears" in shown.stdout
    assert "120 (repaid first by points that come back)" in shown.stdout
    listed = cli("transactions", "c-2")
    assert "No transactions for customer c-2." in listed.stdout
    assert "arrears: 120 points revoked after they were spent" in listed.stdout


def test_backfill_finds_no_drift_in_a_customer_who_spent_and_fixes_one_whose_holds_were_lost(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    assert cli("redeem", "reserve", "c-1", "r-1", "250", "--yes").exit_code == 0
    assert cli("redeem", "commit", "c-1", "r-1", "--yes").exit_code == 0
    assert cli("redeem", "reserve", "c-1", "r-2", "100", "--yes").exit_code == 0
    # The ledger behind the aggregate of the fixture: what it earned, long enough ago.
    for booking, points, expiry in (("b-1", 200, SOON), ("b-2", 300, LATER)):
        earned = active_transaction("c-1", booking, points, expires_at=expiry)
        repository.record_transaction(replace(earned, created_at="2026-01-01T00:00:00.000Z"))
    assert cli.json("backfill", "--segments", "3", "--dry-run")["drifted"] == 0
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    restored = replace(stored, holds=(), version=stored.version + 1)  # the hold of r-2 is lost
    repository.save_aggregate(restored, stored)
    fixed = cli.json("backfill", "--segments", "3", "--yes")
    assert [(c["customerId"], c["action"]) for c in fixed["customers"]] == [("c-1", "fixed")]
    summary = customer_summary(repository, "c-1")
    assert (summary.points, summary.held_points) == (150, 100)
