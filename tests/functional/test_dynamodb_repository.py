"""The DynamoDB adapter against moto: key schema, conditional writes, one request per write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from loyalty import (
    CustomerAggregate,
    DynamoDBLoyaltyRepository,
    Lot,
    Tier,
    Transaction,
    TransactionStatus,
    WriteOutcome,
)
from tests.support.aws import TABLE_NAME, RequestCounter

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def transaction(
    booking_id: str = "b-1", status: TransactionStatus = TransactionStatus.ACTIVE, points: int = 500
) -> Transaction:
    return Transaction(
        transaction_id="2ItvKRdnhMhJAUX6AiJ3c1Kuk4X",
        customer_id="c-1",
        booking_id=booking_id,
        points=points,
        status=status,
        created_at="2026-11-24T12:00:00.000Z",
        expires_at=1_795_000_000,
        fake=False,
        booking_reference="ABC123",
        payment_amount=points,
        correlation_id="corr-1",
        revoked_at="2026-11-24T12:00:00.000Z" if status is TransactionStatus.REVOKED else None,
    )


def test_transactions_are_stored_under_the_documented_keys(
    repository: DynamoDBLoyaltyRepository, dynamodb: DynamoDBClient
) -> None:
    repository.record_transaction(transaction())
    item = dynamodb.get_item(
        TableName=TABLE_NAME, Key={"pk": {"S": "TXN#c-1"}, "sk": {"S": "BOOKING#b-1"}}
    )["Item"]
    assert item["status"] == {"S": "ACTIVE"}
    assert item["points"] == {"N": "500"}
    assert item["expires_at"] == {"N": "1795000000"}
    assert item["fake"] == {"BOOL": False}
    assert "payment_receipt" not in item


def test_record_is_one_conditional_put_and_a_duplicate_changes_nothing(
    repository: DynamoDBLoyaltyRepository, requests: RequestCounter
) -> None:
    assert repository.record_transaction(transaction()) is WriteOutcome.CREATED
    assert repository.record_transaction(transaction(points=999)) is WriteOutcome.DUPLICATE
    assert requests.calls == {"PutItem": 2}
    stored = repository.get_transaction("c-1", "b-1")
    assert stored == transaction()


def test_revoke_of_an_active_transaction_keeps_what_the_confirm_recorded(
    repository: DynamoDBLoyaltyRepository, requests: RequestCounter
) -> None:
    repository.record_transaction(transaction(points=500))
    outcome = repository.revoke_transaction(transaction(status=TransactionStatus.REVOKED, points=1))
    assert outcome is WriteOutcome.REVOKED
    stored = repository.get_transaction("c-1", "b-1")
    assert stored is not None
    assert stored.status is TransactionStatus.REVOKED
    assert stored.points == 500
    assert stored.revoked_at == "2026-11-24T12:00:00.000Z"
    assert requests.calls == {"PutItem": 1, "UpdateItem": 1, "GetItem": 1}


def test_revoke_before_confirm_creates_a_revoked_record_that_confirm_cannot_reactivate(
    repository: DynamoDBLoyaltyRepository,
) -> None:
    revoked = transaction(status=TransactionStatus.REVOKED)
    assert repository.revoke_transaction(revoked) is WriteOutcome.REVOKED_BEFORE_CONFIRM
    assert repository.record_transaction(transaction()) is WriteOutcome.CONFIRM_AFTER_CANCEL
    assert repository.get_transaction("c-1", "b-1") == revoked


def test_a_second_revoke_is_reported_as_already_revoked(
    repository: DynamoDBLoyaltyRepository,
) -> None:
    repository.record_transaction(transaction())
    repository.revoke_transaction(transaction(status=TransactionStatus.REVOKED))
    again = repository.revoke_transaction(transaction(status=TransactionStatus.REVOKED))
    assert again is WriteOutcome.ALREADY_REVOKED


def test_list_transactions_reads_only_that_customers_ledger(
    repository: DynamoDBLoyaltyRepository,
) -> None:
    for booking in ("b-2", "b-1", "b-3"):
        repository.record_transaction(transaction(booking_id=booking))
    repository.record_transaction(replace(transaction(booking_id="b-9"), customer_id="c-2"))
    assert [t.booking_id for t in repository.list_transactions("c-1")] == ["b-1", "b-2", "b-3"]
    assert repository.get_transaction("c-1", "missing") is None


AGGREGATE_KEY = {"pk": {"S": "AGG#c-1"}, "sk": {"S": "AGG"}}
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
MIDNIGHT = int(datetime(2026, 11, 25, tzinfo=UTC).timestamp())


def test_an_aggregate_stores_its_lots_by_expiry_and_reads_back_equal(
    repository: DynamoDBLoyaltyRepository, dynamodb: DynamoDBClient
) -> None:
    aggregate = CustomerAggregate(
        "c-1",
        70_000,
        Tier.SILVER,
        (Lot(MIDNIGHT, 50_000, 50_000), Lot(MIDNIGHT + 86_400, 20_000, 20_000)),
        qualifying_points=70_000,
        applied_sequence="1" * 40,
        applied_change_at="2026-11-24T11:00:00.000Z",
        version=3,
        updated_at="2026-11-24T12:00:00.000Z",
    )
    repository.save_aggregate(aggregate, None)
    item = dynamodb.get_item(TableName=TABLE_NAME, Key=AGGREGATE_KEY)["Item"]
    assert item["lots"]["M"][str(MIDNIGHT)] == {"M": {"e": {"N": "50000"}, "r": {"N": "50000"}}}
    assert (item["points"], item["qualifying_points"], item["tier"]) == (
        {"N": "70000"},
        {"N": "70000"},
        {"S": "SILVER"},
    )
    assert repository.get_aggregate("c-1") == aggregate


def test_a_summary_is_one_get_item_computed_at_the_instant_asked(
    repository: DynamoDBLoyaltyRepository, requests: RequestCounter
) -> None:
    lots = (Lot(MIDNIGHT, 50_000, 50_000), Lot(MIDNIGHT + 86_400, 20_000, 20_000))
    repository.save_aggregate(CustomerAggregate("c-1", 70_000, Tier.SILVER, lots), None)
    requests.reset()
    summary = repository.get_summary("c-1", at=NOON)
    assert (summary.points, summary.qualifying_points, summary.tier) == (
        70_000,
        70_000,
        Tier.SILVER,
    )
    assert requests.calls == {"GetItem": 1}
    later = repository.get_summary("c-1", at=datetime.fromtimestamp(MIDNIGHT, UTC))
    assert (later.points, later.tier, later.expiring) == (20_000, Tier.BRONZE, lots[1:])


def test_an_aggregate_written_by_v1_keeps_answering_its_balance_until_upgraded(
    repository: DynamoDBLoyaltyRepository, dynamodb: DynamoDBClient
) -> None:
    dynamodb.put_item(
        TableName=TABLE_NAME,
        Item={
            **AGGREGATE_KEY,
            "customer_id": {"S": "c-1"},
            "points": {"N": "60000"},
            "tier": {"S": "SILVER"},
            "applied_sequence": {"S": "100000000000000000000"},
            "version": {"N": "4"},
        },
    )
    stored = repository.get_aggregate("c-1")
    assert stored is not None
    assert (stored.has_lots, stored.points, stored.qualifying_points) == (False, 60_000, 60_000)
    summary = repository.get_summary("c-1", at=NOON)
    assert summary.as_response() == {
        "points": 60_000,
        "level": "SILVER",
        "remainingPoints": 40_000,
        "qualifyingPoints": 60_000,
        "heldPoints": 0,
        "arrears": 0,
        "expiring": [],
    }
    repository.save_aggregate(replace(stored, version=5), stored)
    assert "lots" not in dynamodb.get_item(TableName=TABLE_NAME, Key=AGGREGATE_KEY)["Item"]


def test_a_segmented_table_scan_yields_every_transaction_and_aggregate_once(
    repository: DynamoDBLoyaltyRepository,
) -> None:
    for booking in ("b-1", "b-2", "b-3"):
        repository.record_transaction(transaction(booking_id=booking))
    repository.save_aggregate(CustomerAggregate("c-1", 1_500, Tier.BRONZE, ()), None)
    repository.save_aggregate(CustomerAggregate("c-2", 70_000, Tier.SILVER, None), None)
    scanned = [item for segment in range(3) for item in repository.scan_table(segment, 3)]
    assert sorted(t.booking_id for t in scanned if isinstance(t, Transaction)) == [
        "b-1",
        "b-2",
        "b-3",
    ]
    aggregates = {a.customer_id: a.points for a in scanned if isinstance(a, CustomerAggregate)}
    assert aggregates == {"c-1": 1_500, "c-2": 70_000}
