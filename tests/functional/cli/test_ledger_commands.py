"""transactions, revoke, ingest and fake issue against moto."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from loyalty import TransactionStatus
from loyalty.domain.transactions import Transaction
from tests.support.builders import booking_body

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from mypy_boto3_dynamodb import DynamoDBClient

    from loyalty import DynamoDBLoyaltyRepository
    from tests.functional.cli.conftest import Cli

NOW = int(time.time())


def transaction(
    booking: str, points: int = 100, *, created: str = "2026-11-01T10:00:00.000Z", **extra: Any
) -> Transaction:
    return Transaction(
        transaction_id=f"ksuid-{booking}",
        customer_id="customer-1",
        booking_id=booking,
        points=points,
        status=TransactionStatus.ACTIVE,
        created_at=created,
        expires_at=NOW + 3_600,
        **extra,
    )


def test_transactions_are_listed_newest_first_with_balance_and_time_left(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    repository.record_transaction(transaction("b-old", 100, created="2026-01-01T00:00:00.000Z"))
    repository.record_transaction(transaction("b-new", 200, created="2026-11-01T00:00:00.000Z"))
    repository.record_transaction(transaction("b-mid", 400, created="2026-06-01T00:00:00.000Z"))
    repository.revoke_transaction(transaction("b-mid", 400).revoked(datetime.now(UTC)))
    expired = transaction("b-expired", 800, created="2025-11-30T00:00:00.000Z")
    repository.record_transaction(replace(expired, expires_at=NOW - 60))  # TTL not yet run
    listed = cli.json("transactions", "customer-1")
    assert [t["bookingId"] for t in listed["transactions"]] == [
        "b-new",
        "b-mid",
        "b-old",
        "b-expired",
    ]
    assert [t["status"] for t in listed["transactions"]] == [
        "ACTIVE",
        "REVOKED",
        "ACTIVE",
        "ACTIVE",
    ]
    assert listed["balance"] == 300  # the expired one no longer counts
    assert 3_500 < listed["transactions"][0]["secondsLeft"] <= 3_600
    lot = datetime.fromtimestamp(NOW + 3_600, UTC).isoformat(timespec="milliseconds")
    assert listed["transactions"][0]["lot"] == lot.replace("+00:00", "Z")
    table = cli("transactions", "customer-1")
    assert table.exit_code == 0
    assert "in 59m" in table.stdout or "in 1h" in table.stdout
    assert "due 1m" in table.stdout
    assert "lot (UTC)" in table.stdout
    assert "ledger balance (ACTIVE, not yet expired): 300 points" in table.stdout


def test_transactions_limit_shows_the_newest_and_says_how_many_there_are(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    for day in range(1, 4):
        repository.record_transaction(
            transaction(f"b-{day}", created=f"2026-11-0{day}T00:00:00.000Z")
        )
    result = cli("transactions", "customer-1", "--limit", "1")
    assert result.exit_code == 0
    assert "b-3" in result.stdout
    assert "b-1" not in result.stdout
    assert "showing 1 of 3" in result.stdout


def test_a_customer_without_transactions_is_not_an_error(
    cli: Cli, dynamodb: DynamoDBClient
) -> None:
    result = cli("transactions", "nobody")
    assert result.exit_code == 0
    assert "No transactions for customer nobody." in result.stdout


def test_revoke_with_yes_revokes_the_existing_transaction_keeping_its_details(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    repository.record_transaction(transaction("b-1", 700, booking_reference="REF-1"))
    revoked = cli.json("revoke", "customer-1", "b-1", "--yes")
    assert revoked["outcome"] == "revoked"
    stored = repository.get_transaction("customer-1", "b-1")
    assert stored is not None
    assert stored.status is TransactionStatus.REVOKED
    assert stored.booking_reference == "REF-1"
    assert stored.revoked_at is not None


def test_revoke_asks_first_and_declining_writes_nothing(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    repository.record_transaction(transaction("b-1"))
    result = cli("revoke", "customer-1", "b-1", input="n\n")
    assert result.exit_code == 1
    assert "Revoke booking b-1 of customer-1 (100 points)?" in result.stderr
    assert "aborted: nothing was written" in result.stderr
    stored = repository.get_transaction("customer-1", "b-1")
    assert stored is not None
    assert stored.status is TransactionStatus.ACTIVE
    assert cli("revoke", "customer-1", "b-1", input="y\n").exit_code == 0
    stored = repository.get_transaction("customer-1", "b-1")
    assert stored is not None
    assert stored.status is TransactionStatus.REVOKED


def test_revoke_dry_run_writes_nothing(cli: Cli, repository: DynamoDBLoyaltyRepository) -> None:
    repository.record_transaction(transaction("b-1"))
    assert cli.json("revoke", "customer-1", "b-1", "--dry-run")["outcome"] == "would_revoke"
    stored = repository.get_transaction("customer-1", "b-1")
    assert stored is not None
    assert stored.status is TransactionStatus.ACTIVE


def test_revoking_twice_reports_already_revoked(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    repository.record_transaction(transaction("b-1"))
    cli("revoke", "customer-1", "b-1", "--yes")
    result = cli("revoke", "customer-1", "b-1", "--yes")
    assert result.exit_code == 0
    assert "already revoked" in result.stdout


def test_revoking_an_unknown_booking_is_one_line(cli: Cli, dynamodb: DynamoDBClient) -> None:
    result = cli("revoke", "customer-1", "nope", "--yes")
    assert result.exit_code == 1
    assert result.stderr == "error: no transaction for booking 'nope' of customer 'customer-1'\n"


def _jsonl(*lines: Any) -> str:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"


BOOKINGS = _jsonl(
    booking_body(booking_id="b-1", amount=1_000),
    booking_body(booking_id="b-2", amount=2_000),
    booking_body(booking_id="b-1", amount=1_000),
    "",
    booking_body(booking_id="b-3", amount=3_000, status="cancelled"),
    "{not json",
    {"customerId": "customer-1", "price": 10},
    booking_body(booking_id="b-4", amount=-5),
)


def test_ingest_counts_new_duplicate_revoked_and_lists_rejected_lines(
    cli: Cli, repository: DynamoDBLoyaltyRepository, tmp_path: Path
) -> None:
    path = tmp_path / "bookings.jsonl"
    path.write_text(BOOKINGS)
    report = cli.json("ingest", str(path), exit_code=1)
    assert report["summary"] == {"new": 2, "duplicate": 1, "revoked": 1, "rejected": 3}
    assert [entry["line"] for entry in report["rejected"]] == [6, 7, 8]
    assert "line: is not valid JSON" in report["rejected"][0]["reason"]
    assert report["rejected"][1]["reason"].startswith("booking: missing")
    assert report["rejected"][2]["reason"] == "payment.amount: must not be negative (got -5)"
    assert [t.booking_id for t in repository.list_transactions("customer-1")] == [
        "b-1",
        "b-2",
        "b-3",
    ]
    assert cli.json("transactions", "customer-1")["balance"] == 3_000


def test_ingesting_the_same_file_twice_changes_nothing(
    cli: Cli, repository: DynamoDBLoyaltyRepository, tmp_path: Path
) -> None:
    path = tmp_path / "bookings.jsonl"
    path.write_text(BOOKINGS)
    cli("ingest", str(path))
    again = cli.json("ingest", str(path), exit_code=1)
    assert again["summary"] == {"new": 0, "duplicate": 4, "revoked": 0, "rejected": 3}
    assert len(repository.list_transactions("customer-1")) == 3


def test_ingest_reads_stdin_and_reports_a_table(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    result = cli("ingest", "-", input=BOOKINGS)
    assert result.exit_code == 1
    assert "Rejected lines" in result.stdout
    assert "payment.amount: must not be negative" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "error: 3 line(s) rejected; see the list above"
    assert len(repository.list_transactions("customer-1")) == 3


def test_ingest_of_a_clean_file_exits_zero(cli: Cli, repository: DynamoDBLoyaltyRepository) -> None:
    report = cli.json("ingest", "-", input=_jsonl(booking_body(booking_id="b-9")))
    assert report["summary"]["new"] == 1


def test_ingest_dry_run_validates_without_writing(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    report = cli.json("ingest", "-", "--dry-run", input=BOOKINGS, exit_code=1)
    assert report["valid"] == 4
    assert len(report["rejected"]) == 3
    assert repository.list_transactions("customer-1") == []


def test_ingest_of_a_missing_file_is_one_line(cli: Cli, dynamodb: DynamoDBClient) -> None:
    result = cli("ingest", "/no/such/file.jsonl")
    assert result.exit_code == 2
    assert result.stderr == "error: cannot read /no/such/file.jsonl: No such file or directory\n"


def test_ingest_stops_at_a_failing_write_with_one_line_saying_rerunning_is_safe(
    cli: Cli, dynamodb: DynamoDBClient, fail_calls: Callable[..., None]
) -> None:
    fail_calls("dynamodb", "PutItem", "AccessDeniedException")
    result = cli("ingest", "-", input=BOOKINGS)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: access denied (PutItem: AccessDeniedException)")
    assert "re-running is safe" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_fake_issue_writes_active_fake_transactions_that_expire_after_the_ttl(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    before = int(time.time())
    report = cli.json(
        "fake",
        "issue",
        "--customers",
        "2",
        "--count",
        "5",
        "--points",
        "250",
        "--ttl",
        "15m",
        "--yes",
    )
    rows = report["transactions"]
    assert {row["outcome"] for row in rows} == {"created"}
    assert sorted({row["customerId"] for row in rows}) == [
        "fake-customer-0001",
        "fake-customer-0002",
    ]
    first = repository.list_transactions("fake-customer-0001")
    second = repository.list_transactions("fake-customer-0002")
    assert (len(first), len(second)) == (3, 2)
    for stored in first + second:
        assert stored.fake
        assert stored.status is TransactionStatus.ACTIVE
        assert stored.points == 250
        assert stored.booking_id.startswith("fake-")
        assert before + 900 <= stored.expires_at <= int(time.time()) + 900


def test_fake_issue_asks_first_and_dry_run_writes_nothing(
    cli: Cli, repository: DynamoDBLoyaltyRepository
) -> None:
    declined = cli("fake", "issue", "--count", "2", input="n\n")
    assert declined.exit_code == 1
    assert "Write 2 fake transaction(s) of 100 points" in declined.stderr
    dry = cli("fake", "issue", "--count", "2", "--dry-run")
    assert dry.exit_code == 0
    assert "Dry run: would write 2 fake transaction(s)" in dry.stdout
    assert repository.list_transactions("fake-customer-0001") == []


def test_fake_issue_prints_what_it_wrote(cli: Cli, repository: DynamoDBLoyaltyRepository) -> None:
    result = cli("fake", "issue", "--count", "3", "--points", "1500", "--ttl", "2h", "--yes")
    assert result.exit_code == 0
    words = " ".join(result.stdout.split())
    assert "Wrote 3 fake transaction(s) of 1,500 points over 1 customer(s), expiring in 2h" in words
    written = repository.list_transactions("fake-customer-0001")
    assert len(written) == 3
    for transaction in written:
        assert transaction.booking_id in result.stdout


@pytest.mark.parametrize(
    ("ttl", "reason"),
    [
        ("15", "expected a whole number and a unit"),
        ("1.5h", "expected a whole number and a unit"),
        ("2w", "expected a whole number and a unit"),
        ("-1d", "expected a whole number and a unit"),
        ("0m", "must be longer than zero"),
        ("31d", "at most 30d"),
    ],
)
def test_fake_issue_refuses_a_malformed_ttl_in_one_line(
    cli: Cli, dynamodb: DynamoDBClient, ttl: str, reason: str
) -> None:
    result = cli("fake", "issue", "--ttl", ttl, "--yes")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --ttl {ttl!r}: ")
    assert reason in result.stderr
