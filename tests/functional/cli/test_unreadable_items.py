"""One unreadable ledger item (points 10.0, written by a float earn rule) is reported and skipped."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from loyalty import TransactionStatus
from loyalty.domain.transactions import Transaction
from loyalty.repository.items import transaction_to_item
from tests.support.aws import TABLE_NAME

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from loyalty import DynamoDBLoyaltyRepository
    from loyalty.errors import UnreadableItem
    from tests.functional.cli.conftest import Cli


def record(repository: DynamoDBLoyaltyRepository, customer: str, booking: str, points: int) -> None:
    repository.record_transaction(
        Transaction(
            transaction_id=f"ksuid-{booking}",
            customer_id=customer,
            booking_id=booking,
            points=points,
            status=TransactionStatus.ACTIVE,
            created_at="2026-11-01T10:00:00.000Z",
            expires_at=int(time.time()) + 3_600,
        )
    )


def poison(dynamodb: DynamoDBClient, customer: str, booking: str) -> None:
    """Store the item a float earn rule used to write: ``points`` is ``10.0``."""
    good = Transaction(
        transaction_id=f"ksuid-{booking}",
        customer_id=customer,
        booking_id=booking,
        points=10,
        status=TransactionStatus.ACTIVE,
        created_at="2026-11-02T10:00:00.000Z",
        expires_at=int(time.time()) + 3_600,
    )
    item = transaction_to_item(good)
    item["points"] = {"N": "10.0"}
    dynamodb.put_item(TableName=TABLE_NAME, Item=item)


def test_the_repository_reports_an_unreadable_item_and_returns_the_others(
    dynamodb: DynamoDBClient, repository: DynamoDBLoyaltyRepository
) -> None:
    record(repository, "c-1", "b-good", 100)
    poison(dynamodb, "c-1", "b-bad")
    unreadable: list[UnreadableItem] = []
    listed = repository.list_transactions("c-1", on_unreadable=unreadable.append)
    assert [t.booking_id for t in listed] == ["b-good"]
    assert [str(error) for error in unreadable] == [
        "TXN#c-1 / BOOKING#b-bad: attribute 'points' is not an integer (got '10.0')"
    ]
    scanned: list[UnreadableItem] = []
    assert [t.booking_id for t in repository.scan_ledger(on_unreadable=scanned.append)] == [
        "b-good"
    ]
    assert len(scanned) == 1


def test_show_and_transactions_warn_about_an_unreadable_item_and_list_the_rest(
    cli: Cli, dynamodb: DynamoDBClient, repository: DynamoDBLoyaltyRepository
) -> None:
    record(repository, "c-1", "b-good", 100)
    poison(dynamodb, "c-1", "b-bad")
    for command in ("show", "transactions"):
        result = cli(command, "c-1")
        assert result.exit_code == 0, result.output
        assert "b-good" in result.stdout
        assert "warning: skipped 1 unreadable ledger item" in result.stderr
        assert "BOOKING#b-bad: attribute 'points' is not an integer" in result.stderr
    listed = cli.json("transactions", "c-1")
    assert [t["bookingId"] for t in listed["transactions"]] == ["b-good"]
    assert listed["unreadable"] == [
        "TXN#c-1 / BOOKING#b-bad: attribute 'points' is not an integer (got '10.0')"
    ]


def test_backfill_dry_run_of_the_whole_table_skips_an_unreadable_item_and_checks_the_rest(
    cli: Cli, dynamodb: DynamoDBClient, repository: DynamoDBLoyaltyRepository
) -> None:
    record(repository, "c-1", "b-good", 100)
    record(repository, "c-2", "b-other", 300)
    poison(dynamodb, "c-1", "b-bad")
    result = cli("backfill", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "warning: skipped 1 unreadable ledger item" in result.stderr
    report = cli.json("backfill", "--dry-run")
    assert {c["customerId"]: c["ledger"] for c in report["customers"]} == {"c-1": 100, "c-2": 300}
    assert len(report["unreadable"]) == 1


def test_revoking_an_unreadable_booking_is_a_one_line_error_naming_the_item(
    cli: Cli, dynamodb: DynamoDBClient, repository: DynamoDBLoyaltyRepository
) -> None:
    record(repository, "c-1", "b-good", 100)
    poison(dynamodb, "c-1", "b-bad")
    result = cli("revoke", "c-1", "b-bad", "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: TXN#c-1 / BOOKING#b-bad: attribute 'points'")
    assert "unexpected" not in result.stderr
    assert cli("revoke", "c-1", "b-good", "--yes").exit_code == 0
