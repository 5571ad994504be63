"""Each handler, run against moto, makes only the DynamoDB calls its template role allows.

The template tests prove the roles are narrow; these prove they are wide enough: every request a
handler sends is checked against its role's table statement (action and dynamodb:LeadingKeys).
"""

from __future__ import annotations

import importlib
import re
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from loyalty.domain.aggregates import CustomerAggregate, Lot
from loyalty.domain.tiers import Tier
from loyalty.repository.items import aggregate_to_item
from tests.support.aws import REGION
from tests.support.builders import (
    LambdaContext,
    api_event,
    booking_body,
    post_event,
    sqs_event,
    sqs_record,
    stream_record,
    transaction_image,
)
from tests.support.cfn import get_att, load_template

if TYPE_CHECKING:
    from types import ModuleType

    from mypy_boto3_dynamodb import DynamoDBClient

RESOURCES = load_template()["Resources"]


def table_grant(function: str) -> tuple[set[str], list[str]]:
    """The DynamoDB item actions and LeadingKeys patterns the function's role allows on the table."""
    policies = RESOURCES[f"{function}Role"]["Properties"]["Policies"]
    (statement,) = [
        s
        for p in policies
        for s in p["PolicyDocument"]["Statement"]
        if s.get("Resource") == get_att("LedgerTable", "Arn")
    ]
    actions = statement["Action"]
    patterns = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    return set(actions if isinstance(actions, list) else [actions]), patterns


class DynamoDBCalls:
    """Records (operation, partition key) of every request a client sends."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, str]] = []
        client.meta.events.register("before-parameter-build.dynamodb.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        # LeadingKeys applies to every key a request touches, a batch's included.
        batch = params.get("RequestItems", {})
        keys = [k for spec in batch.values() for k in spec.get("Keys", [])]
        if batch:
            self.calls.extend((model.name, key.get("pk", {}).get("S", "")) for key in keys)
            return
        # IAM authorizes each item of a transaction as its own operation (Put as PutItem...).
        transaction = [
            (f"{operation}Item", spec.get("Key") or spec.get("Item") or {})
            for item in params.get("TransactItems", [])
            for operation, spec in item.items()
        ]
        if transaction:
            self.calls.extend((name, key.get("pk", {}).get("S", "")) for name, key in transaction)
            return
        # And each statement of a PartiQL batch as its verb (UPDATE as PartiQLUpdate...).
        statements = params.get("Statements", [])
        if statements:
            self.calls.extend(_partiql_call(statement) for statement in statements)
            return
        key = params.get("Key") or params.get("Item") or {}
        self.calls.append((model.name, key.get("pk", {}).get("S", "")))

    def assert_allowed_for(self, function: str) -> None:
        actions, patterns = table_grant(function)
        assert self.calls
        for operation, pk in self.calls:
            assert f"dynamodb:{operation}" in actions, (function, operation)
            assert any(fnmatchcase(pk, pattern) for pattern in patterns), (function, pk)


def _partiql_call(statement: dict[str, Any]) -> tuple[str, str]:
    text = statement["Statement"]
    # The partition key is the parameter after `"pk"=` (UPDATE ... WHERE) or `'pk':` (INSERT).
    before_each_parameter = text.split("?")
    position = next(
        n
        for n, text in enumerate(before_each_parameter)
        if re.search(r"[\"']pk[\"']\s*[=:]\s*$", text)
    )
    return f"PartiQL{text.split()[0].capitalize()}", statement["Parameters"][position]["S"]


def reload(name: str) -> ModuleType:
    module = importlib.import_module(f"lambda_entrypoints.{name}")
    return importlib.reload(module)


def test_ingest_writes_only_what_its_role_allows(dynamodb: DynamoDBClient) -> None:
    ingest = reload("ingest")
    calls = DynamoDBCalls(ingest.repository.client)
    records = [
        sqs_record(booking_body("c-1", "b-1")),
        sqs_record(booking_body("c-1", "b-1")),
        sqs_record(booking_body("c-1", "b-1"), status="cancelled"),
        sqs_record(booking_body("c-2", "b-2"), status="cancelled"),
        sqs_record(booking_body("c-2", "b-2")),
    ]
    for record in records:
        assert ingest.handler(sqs_event(record), LambdaContext()) == {"batchItemFailures": []}
    assert {operation for operation, _ in calls.calls} == {"PutItem", "UpdateItem"}
    calls.assert_allowed_for("IngestFunction")


def test_aggregate_reads_and_writes_only_what_its_role_allows(dynamodb: DynamoDBClient) -> None:
    aggregate = reload("aggregate")
    calls = DynamoDBCalls(aggregate.repository.client)
    active = transaction_image("c-1", "b-1", 60_000)
    revoked = transaction_image("c-1", "b-1", 60_000, status="REVOKED")
    inserts = {"Records": [stream_record(None, active), stream_record(None, transaction_image())]}
    more = {
        "Records": [
            stream_record(None, transaction_image("c-1", "b-2")),
            stream_record(None, transaction_image(booking_id="booking-2")),
        ]
    }
    revoke = {"Records": [stream_record(active, revoked)]}
    expiry = {"Records": [stream_record(revoked, None, ttl=True)]}
    # First aggregates (INSERT), then updates of two (UPDATE) and of one customer (PutItem).
    for event in (inserts, more, revoke, expiry):
        assert aggregate.handler(event, LambdaContext()) == {"batchItemFailures": []}
    # A fresh container (empty cache) reads the aggregate before writing; a replay writes nothing.
    aggregate = reload("aggregate")
    cold = DynamoDBCalls(aggregate.repository.client)
    assert aggregate.handler(inserts, LambdaContext()) == {"batchItemFailures": []}
    assert "BatchGetItem" in {operation for operation, _ in cold.calls}
    assert {operation for operation, _ in calls.calls} == {
        "BatchGetItem",
        "PartiQLInsert",
        "PartiQLUpdate",
        "PutItem",
    }
    calls.assert_allowed_for("AggregateFunction")
    cold.assert_allowed_for("AggregateFunction")


@pytest.mark.parametrize("customer", ["c-1", "never-seen"])
def test_get_points_reads_only_what_its_role_allows(
    dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch, customer: str
) -> None:
    monkeypatch.setenv("LOYALTY_ADMIN_GROUP", "loyalty-admins")
    get_points = reload("get_points")
    calls = DynamoDBCalls(get_points.repository.client)
    response = get_points.handler(api_event(customer, sub=customer), LambdaContext())
    assert response["statusCode"] == 200
    assert calls.calls == [("GetItem", f"AGG#{customer}")]
    calls.assert_allowed_for("GetPointsFunction")


def test_redemptions_read_and_write_only_what_their_role_allows(
    dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_ADMIN_GROUP", "loyalty-admins")
    redemptions = reload("redemptions")
    stored = CustomerAggregate("c-1", 500, Tier.BRONZE, (Lot(4_102_444_800, 500, 500),), 500)
    redemptions.repository.save_aggregate(stored, None)
    calls = DynamoDBCalls(redemptions.repository.client)
    base = "/loyalty/{customerId}/redemptions"
    requests = [
        (base, {"customerId": "c-1"}, {"redemptionId": "r-1", "points": 100}, 201),
        (base, {"customerId": "c-1"}, {"redemptionId": "r-1", "points": 100}, 201),
        (base, {"customerId": "c-1"}, {"redemptionId": "r-2", "points": 900}, 409),
        (
            f"{base}/{{redemptionId}}/commit",
            {"customerId": "c-1", "redemptionId": "r-1"},
            None,
            200,
        ),
        (
            f"{base}/{{redemptionId}}/cancel",
            {"customerId": "c-1", "redemptionId": "r-1"},
            None,
            200,
        ),
        (
            f"{base}/{{redemptionId}}/cancel",
            {"customerId": "c-1", "redemptionId": "r-9"},
            None,
            404,
        ),
    ]
    for resource, parameters, body, status in requests:
        event = post_event(resource, parameters, body, sub="c-1")
        assert redemptions.handler(event, LambdaContext())["statusCode"] == status
    assert {operation for operation, _ in calls.calls} == {"BatchGetItem", "PutItem"}
    assert {pk for _, pk in calls.calls} == {"TXN#c-1", "AGG#c-1"}
    calls.assert_allowed_for("RedemptionsFunction")


def test_the_notifier_only_publishes_to_the_events_topic_its_role_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="loyalty-events")["TopicArn"]
    monkeypatch.setenv("LOYALTY_EVENTS_TOPIC_ARN", topic)
    notify = reload("notify")
    calls: list[tuple[str, str]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, params.get("TopicArn", "")))

    client = notify.function.tier_changed_publisher._client
    client.meta.events.register("before-parameter-build.sns.*", record)
    before = aggregate_to_item(
        CustomerAggregate(
            "c-1",
            10,
            Tier.BRONZE,
            (),
            qualifying_points=10,
            applied_sequence="1",
            version=1,
            updated_at="2026-11-24T12:00:00Z",
        )
    )
    after = aggregate_to_item(
        CustomerAggregate(
            "c-1",
            60_000,
            Tier.SILVER,
            (),
            qualifying_points=60_000,
            applied_sequence="2",
            version=2,
            updated_at="2026-11-24T12:00:01Z",
        )
    )
    event = {"Records": [stream_record(dict(before), dict(after))]}

    assert notify.handler(event, LambdaContext()) == {"batchItemFailures": []}
    (policy,) = RESOURCES["NotifyFunctionRole"]["Properties"]["Policies"]
    (publish,) = [
        s for s in policy["PolicyDocument"]["Statement"] if s.get("Action") == "sns:Publish"
    ]
    assert publish["Resource"] == {"Ref": "EventsTopic"}
    assert calls == [("Publish", topic)]
