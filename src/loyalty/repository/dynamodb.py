"""The DynamoDB adapter of :class:`~loyalty.repository.base.LoyaltyRepository`."""

from __future__ import annotations

import logging
import random
import time
from typing import TYPE_CHECKING, Any

from botocore.config import Config

from loyalty.concurrency import MAX_CONCURRENT_WRITES, run_all
from loyalty.domain.aggregates import CustomerAggregate, CustomerSummary
from loyalty.domain.clock import utc_now
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.domain.transactions import Transaction, TransactionStatus
from loyalty.errors import (
    AggregateConflict,
    AggregateWriteRefused,
    RedemptionWriteConflict,
    RetriesExhausted,
    UnreadableItem,
)
from loyalty.repository.base import AggregateSave, WriteOutcome
from loyalty.repository.items import (
    AGGREGATE_PREFIX,
    BOOKING_PREFIX,
    REDEMPTION_PREFIX,
    TRANSACTION_PREFIX,
    aggregate_from_item,
    aggregate_key,
    aggregate_to_item,
    redemption_from_item,
    redemption_key,
    redemption_to_item,
    transaction_from_item,
    transaction_key,
    transaction_to_item,
)
from loyalty.repository.partiql import MAX_STATEMENTS_PER_BATCH, aggregate_write_statement

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Sequence
    from concurrent.futures import Executor
    from datetime import datetime

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        BatchStatementResponseTypeDef,
        KeysAndAttributesTypeDef,
        PutItemInputTypeDef,
        PutTypeDef,
    )

    from loyalty.domain.redemptions import Redemption
    from loyalty.repository.base import OnUnreadable

__all__ = ["DynamoDBLoyaltyRepository", "dynamodb_client_config"]

_logger = logging.getLogger("loyalty.repository")

_BATCH_GET_LIMIT = 100
_BATCH_GET_ATTEMPTS = 8
_STATEMENT_ATTEMPTS = 8

# Per-statement error codes of a BatchExecuteStatement that a later attempt may not get: the
# statement is sent again after a backoff. A statement is not retried by botocore, whose retries
# see only the request, and the request succeeded.
_RETRIED_STATEMENT_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceeded",
        "ThrottlingError",
        "RequestLimitExceeded",
        "InternalServerError",
        "TransactionConflict",
    }
)

# Cancellation reason codes of a TransactWriteItems that mean "someone else wrote first": the
# caller re-reads and recomputes. Any other reason (validation, throttling past the SDK's own
# retries, capacity) is raised as it is.
_CONFLICT_REASONS = frozenset({"None", "ConditionalCheckFailed", "TransactionConflict"})

# On revoke, these attributes are written only if the item does not exist yet (cancel before
# confirm): a revoke never rewrites what the confirm recorded.
_KEPT_ON_REVOKE = (
    "transaction_id",
    "customer_id",
    "booking_id",
    "points",
    "created_at",
    "expires_at",
    "fake",
    "payment_amount",
    "booking_reference",
    "outbound_flight_id",
    "payment_receipt",
    "correlation_id",
)


def dynamodb_client_config() -> Config:
    """Client settings for the ledger's DynamoDB client.

    A connection per concurrent write (so the thread pool is not throttled by urllib3's pool),
    botocore's ``standard`` retry mode, which backs off on throttling with jitter, and no
    client-side parameter validation: every request this adapter sends is built by its own typed
    item codec, so validating it again costs ~12 % of the client's CPU per request (measured in
    ``docs/performance.md``) and catches nothing DynamoDB would not reject itself.
    """
    return Config(
        max_pool_connections=MAX_CONCURRENT_WRITES,
        retries={"mode": "standard", "max_attempts": 5},
        parameter_validation=False,
    )


def _backoff(attempt: int) -> None:
    # Full jitter, so that the many writers a throttled table has do not come back in step.
    time.sleep(random.uniform(0.0, min(0.05 * 2**attempt, 1.0)))


def _log_unreadable(error: UnreadableItem) -> None:
    _logger.warning("skipped an unreadable ledger item: %s", error)


def _readable(
    items: Iterable[dict[str, AttributeValueTypeDef]], on_unreadable: OnUnreadable | None
) -> Iterator[Transaction]:
    for item in items:
        try:
            yield transaction_from_item(item)
        except UnreadableItem as error:
            (on_unreadable or _log_unreadable)(error)


class DynamoDBLoyaltyRepository:
    """Ledger storage in one DynamoDB table, keyed as in docs/decisions/0001.

    Every write is one conditional request and no write reads first.

    Parameters
    ----------
    client
        A boto3 DynamoDB client built by the caller (so endpoint, region, profile and retry
        configuration are the caller's). boto3 clients are thread-safe; one can be shared.
    table_name
        The table's name.
    """

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table_name = table_name

    @property
    def client(self) -> DynamoDBClient:
        """The DynamoDB client the adapter uses."""
        return self._client

    @property
    def table_name(self) -> str:
        """The table the adapter reads and writes."""
        return self._table_name

    def record_transaction(self, transaction: Transaction) -> WriteOutcome:
        try:
            self._client.put_item(
                TableName=self._table_name,
                Item=transaction_to_item(transaction),
                ConditionExpression="attribute_not_exists(pk)",
                # The existing item comes back with the failure at no extra cost, telling a
                # plain duplicate from a confirm that arrived after its cancel.
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            existing: Any = error.response.get("Item", {})
            if existing.get("status", {}).get("S") == TransactionStatus.REVOKED.value:
                return WriteOutcome.CONFIRM_AFTER_CANCEL
            return WriteOutcome.DUPLICATE
        return WriteOutcome.CREATED

    def revoke_transaction(self, transaction: Transaction) -> WriteOutcome:
        item = transaction_to_item(transaction)
        names = {"#status": "status"}
        values: dict[str, AttributeValueTypeDef] = {
            ":revoked": {"S": TransactionStatus.REVOKED.value},
            ":active": {"S": TransactionStatus.ACTIVE.value},
            ":revoked_at": item.get("revoked_at", item["created_at"]),
        }
        assignments = ["#status = :revoked", "revoked_at = :revoked_at"]
        for name in _KEPT_ON_REVOKE:
            if name in item:
                values[f":{name}"] = item[name]
                assignments.append(f"{name} = if_not_exists({name}, :{name})")
        try:
            response = self._client.update_item(
                TableName=self._table_name,
                Key=transaction_key(transaction.customer_id, transaction.booking_id),
                UpdateExpression="SET " + ", ".join(assignments),
                ConditionExpression="attribute_not_exists(pk) OR #status = :active",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                # UPDATED_OLD is empty when the item did not exist: cancel before confirm.
                ReturnValues="UPDATED_OLD",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return WriteOutcome.ALREADY_REVOKED
        if "status" in response.get("Attributes", {}):
            return WriteOutcome.REVOKED
        return WriteOutcome.REVOKED_BEFORE_CONFIRM

    def get_transaction(self, customer_id: str, booking_id: str) -> Transaction | None:
        response = self._client.get_item(
            TableName=self._table_name,
            Key=transaction_key(customer_id, booking_id),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return transaction_from_item(item) if item else None

    def list_transactions(
        self, customer_id: str, *, on_unreadable: OnUnreadable | None = None
    ) -> list[Transaction]:
        key = transaction_key(customer_id, "")
        paginator = self._client.get_paginator("query")
        transactions: list[Transaction] = []
        for page in paginator.paginate(
            TableName=self._table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :booking)",
            ExpressionAttributeValues={":pk": key["pk"], ":booking": {"S": BOOKING_PREFIX}},
            ConsistentRead=True,
        ):
            transactions.extend(_readable(page.get("Items", []), on_unreadable))
        return transactions

    def scan_ledger(
        self,
        segment: int = 0,
        total_segments: int = 1,
        *,
        on_unreadable: OnUnreadable | None = None,
    ) -> Iterator[Transaction]:
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._table_name,
            Segment=segment,
            TotalSegments=total_segments,
            FilterExpression="begins_with(pk, :prefix) AND begins_with(sk, :booking)",
            ExpressionAttributeValues={
                ":prefix": {"S": TRANSACTION_PREFIX},
                ":booking": {"S": BOOKING_PREFIX},
            },
            ConsistentRead=True,
        ):
            yield from _readable(page.get("Items", []), on_unreadable)

    def scan_table(
        self,
        segment: int = 0,
        total_segments: int = 1,
        *,
        on_unreadable: OnUnreadable | None = None,
    ) -> Iterator[Transaction | Redemption | CustomerAggregate]:
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self._table_name,
            Segment=segment,
            TotalSegments=total_segments,
            ConsistentRead=True,
        ):
            for item in page.get("Items", []):
                pk = str(item.get("pk", {}).get("S", ""))
                sk = str(item.get("sk", {}).get("S", ""))
                if sk.startswith(REDEMPTION_PREFIX):
                    yield redemption_from_item(item)
                elif pk.startswith(TRANSACTION_PREFIX):
                    yield from _readable([item], on_unreadable)
                elif pk.startswith(AGGREGATE_PREFIX):
                    yield aggregate_from_item(item)

    def get_aggregate(self, customer_id: str) -> CustomerAggregate | None:
        response = self._client.get_item(
            TableName=self._table_name, Key=aggregate_key(customer_id), ConsistentRead=True
        )
        item = response.get("Item")
        return aggregate_from_item(item) if item else None

    def get_aggregates(self, customer_ids: Collection[str]) -> dict[str, CustomerAggregate]:
        customers = list(dict.fromkeys(customer_ids))
        found: dict[str, CustomerAggregate] = {}
        for start in range(0, len(customers), _BATCH_GET_LIMIT):
            keys = [aggregate_key(c) for c in customers[start : start + _BATCH_GET_LIMIT]]
            request: dict[str, KeysAndAttributesTypeDef] = {
                self._table_name: {"Keys": keys, "ConsistentRead": True}
            }
            for attempt in range(_BATCH_GET_ATTEMPTS):
                response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table_name, []):
                    aggregate = aggregate_from_item(item)
                    found[aggregate.customer_id] = aggregate
                unprocessed = response.get("UnprocessedKeys") or {}
                if not unprocessed:
                    break
                # DynamoDB hands back keys it could not read under load: retry them with backoff.
                request = dict(unprocessed)  # type: ignore[arg-type]
                _backoff(attempt)
            else:
                raise RetriesExhausted(
                    f"BatchGetItem left keys unprocessed after {_BATCH_GET_ATTEMPTS} attempts"
                )
        return found

    def save_aggregate(
        self, aggregate: CustomerAggregate, expected: CustomerAggregate | None
    ) -> None:
        request: PutItemInputTypeDef = {
            "TableName": self._table_name,
            "Item": aggregate_to_item(aggregate),
            "ConditionExpression": "attribute_not_exists(pk)",
            # The stored aggregate comes back with a failed condition at no extra cost, so a
            # conflict is resolved without another read.
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if expected is not None:
            request["ConditionExpression"] = "version = :expected_version"
            request["ExpressionAttributeValues"] = {
                ":expected_version": {"N": str(expected.version)}
            }
        try:
            self._client.put_item(**request)
        except self._client.exceptions.ConditionalCheckFailedException as error:
            current: Any = error.response.get("Item")
            raise AggregateConflict(
                aggregate.customer_id, aggregate_from_item(current) if current else None
            ) from None

    def save_aggregates(
        self, writes: Sequence[AggregateSave], *, executor: Executor | None = None
    ) -> dict[str, Exception]:
        """Store many customers' aggregates in ``BatchExecuteStatement`` requests (decision 0011).

        Up to 25 conditional statements per request, the requests sent concurrently on
        ``executor``; one customer alone is one ``PutItem``. Each statement's outcome is its own:
        a failed condition is a conflict carrying the stored item; throttled statements are sent
        again with backoff; any other refusal fails that customer only.
        """
        if len(writes) == 1:
            aggregate, expected = writes[0]
            try:
                self.save_aggregate(aggregate, expected)
            except Exception as error:
                return {aggregate.customer_id: error}
            return {}
        failures: dict[str, Exception] = {}
        duplicates: list[str] = []
        pending = list(writes)
        for attempt in range(_STATEMENT_ATTEMPTS):
            if attempt:
                _backoff(attempt - 1)
            groups = [
                pending[start : start + MAX_STATEMENTS_PER_BATCH]
                for start in range(0, len(pending), MAX_STATEMENTS_PER_BATCH)
            ]
            pending = []
            for group, answer in zip(groups, run_all(self._execute, groups, executor), strict=True):
                if isinstance(answer, Exception):
                    # The request itself failed, after botocore's own retries: every customer
                    # in it failed with it.
                    failures |= {write.aggregate.customer_id: answer for write in group}
                    continue
                for write, response in zip(group, answer, strict=True):
                    customer_id = write.aggregate.customer_id
                    refusal = response.get("Error")
                    if refusal is None:
                        continue
                    code = refusal.get("Code", "")
                    if code == "ConditionalCheckFailed":
                        stored: Any = refusal.get("Item")
                        current = aggregate_from_item(stored) if stored else None
                        failures[customer_id] = AggregateConflict(customer_id, current)
                    elif code == "DuplicateItem":
                        duplicates.append(customer_id)
                    elif code in _RETRIED_STATEMENT_ERRORS:
                        pending.append(write)
                    else:
                        message = refusal.get("Message", "")
                        failures[customer_id] = AggregateWriteRefused(customer_id, code, message)
            if not pending:
                break
        for write in pending:
            customer_id = write.aggregate.customer_id
            failures[customer_id] = RetriesExhausted(
                f"aggregate write of {customer_id} was throttled or hit an internal error "
                f"in each of {_STATEMENT_ATTEMPTS} attempts"
            )
        if duplicates:
            # An INSERT that found an aggregate returns no item: one read fetches them all.
            stored_now = self.get_aggregates(duplicates)
            failures |= {c: AggregateConflict(c, stored_now.get(c)) for c in duplicates}
        return failures

    def _execute(self, group: list[AggregateSave]) -> list[BatchStatementResponseTypeDef]:
        statements = [
            aggregate_write_statement(self._table_name, aggregate, expected)
            for aggregate, expected in group
        ]
        return self._client.batch_execute_statement(Statements=statements)["Responses"]

    def get_summary(
        self,
        customer_id: str,
        tiers: TierPolicy = DEFAULT_TIER_POLICY,
        *,
        at: datetime | None = None,
    ) -> CustomerSummary:
        # Eventually consistent: half the read cost, and a reader cannot tell a stream's lag
        # from a replica's. The whole item: its lots are what the summary is computed from.
        response = self._client.get_item(TableName=self._table_name, Key=aggregate_key(customer_id))
        item = response.get("Item")
        if not item:
            return CustomerSummary.empty(customer_id, tiers)
        return aggregate_from_item(item).summary(at or utc_now(), tiers)

    def get_redemption(self, customer_id: str, redemption_id: str) -> Redemption | None:
        response = self._client.get_item(
            TableName=self._table_name,
            Key=redemption_key(customer_id, redemption_id),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return redemption_from_item(item) if item else None

    def list_redemptions(self, customer_id: str) -> list[Redemption]:
        key = redemption_key(customer_id, "")
        paginator = self._client.get_paginator("query")
        redemptions: list[Redemption] = []
        for page in paginator.paginate(
            TableName=self._table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :redeem)",
            ExpressionAttributeValues={":pk": key["pk"], ":redeem": key["sk"]},
            ConsistentRead=True,
        ):
            redemptions.extend(redemption_from_item(item) for item in page.get("Items", []))
        return redemptions

    def get_redemption_state(
        self, customer_id: str, redemption_id: str
    ) -> tuple[Redemption | None, CustomerAggregate | None]:
        redemption: Redemption | None = None
        aggregate: CustomerAggregate | None = None
        request: dict[str, KeysAndAttributesTypeDef] = {
            self._table_name: {
                "Keys": [redemption_key(customer_id, redemption_id), aggregate_key(customer_id)],
                "ConsistentRead": True,
            }
        }
        for attempt in range(_BATCH_GET_ATTEMPTS):
            response = self._client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._table_name, []):
                if str(item["pk"].get("S", "")).startswith(AGGREGATE_PREFIX):
                    aggregate = aggregate_from_item(item)
                else:
                    redemption = redemption_from_item(item)
            unprocessed = response.get("UnprocessedKeys") or {}
            if not unprocessed:
                return redemption, aggregate
            request = dict(unprocessed)  # type: ignore[arg-type]
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise RetriesExhausted(
            f"BatchGetItem left keys unprocessed after {_BATCH_GET_ATTEMPTS} attempts"
        )

    def save_redemption(
        self,
        redemption: Redemption,
        expected: Redemption | None,
        aggregate: CustomerAggregate,
        expected_aggregate: CustomerAggregate,
    ) -> None:
        redemption_put: PutTypeDef = {
            "TableName": self._table_name,
            "Item": redemption_to_item(redemption),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if expected is not None:
            redemption_put["ConditionExpression"] = "#status = :expected_status"
            redemption_put["ExpressionAttributeNames"] = {"#status": "status"}
            redemption_put["ExpressionAttributeValues"] = {
                ":expected_status": {"S": expected.status.value}
            }
        aggregate_put: PutTypeDef = {
            "TableName": self._table_name,
            "Item": aggregate_to_item(aggregate),
            "ConditionExpression": "version = :expected_version",
            "ExpressionAttributeValues": {
                ":expected_version": {"N": str(expected_aggregate.version)}
            },
        }
        try:
            self._client.transact_write_items(
                TransactItems=[{"Put": redemption_put}, {"Put": aggregate_put}]
            )
        except self._client.exceptions.TransactionCanceledException as error:
            reasons: Any = error.response.get("CancellationReasons", [])
            codes = {str(reason.get("Code")) for reason in reasons}
            if not codes or not codes <= _CONFLICT_REASONS:
                raise
            raise RedemptionWriteConflict(
                redemption.customer_id, redemption.redemption_id
            ) from None
