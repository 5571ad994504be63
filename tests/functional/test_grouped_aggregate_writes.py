"""Grouped aggregate writes: each statement's outcome is its own (decision 0011).

moto cannot report per-statement errors of a PartiQL batch, so those are answered here by
botocore's ``Stubber`` with the response shapes DynamoDB documents (``Responses[n].Error`` with
``Code``, ``Message`` and, for a failed condition with ``ALL_OLD``, ``Item``). The happy path and
a real conflict run against moto through the sandbox's statement stand-in.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from loyalty import (
    AggregateCache,
    AggregateConflict,
    AggregateSave,
    AggregateWriteRefused,
    CustomerAggregate,
    DynamoDBLoyaltyRepository,
    Lot,
    RetriesExhausted,
    Tier,
    aggregate_stream_event,
)
from loyalty.repository.items import aggregate_key, aggregate_to_item
from loyalty.testing import InlineExecutor
from tests.support.aws import REGION, TABLE_NAME, RequestCounter
from tests.support.builders import stream_record, transaction_image

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

EXPIRY = 4_102_444_800


def stored(customer: str, points: int = 100, version: int = 1) -> CustomerAggregate:
    return CustomerAggregate(
        customer, points, Tier.BRONZE, (Lot(EXPIRY, points, points),), points, version=version
    )


def updates(*customers: str) -> list[AggregateSave]:
    return [AggregateSave(replace(stored(c), points=200, version=2), stored(c)) for c in customers]


def stubbed() -> tuple[DynamoDBLoyaltyRepository, Stubber]:
    client = boto3.client("dynamodb", region_name=REGION)
    return DynamoDBLoyaltyRepository(client, TABLE_NAME), Stubber(client)


def answer(stubber: Stubber, *responses: dict[str, Any]) -> None:
    stubber.add_response(
        "batch_execute_statement", {"Responses": list(responses)}, {"Statements": ANY}
    )


OK: dict[str, Any] = {"TableName": TABLE_NAME}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("loyalty.repository.dynamodb.time.sleep", lambda _: None)


def test_a_failed_condition_is_that_customers_conflict_carrying_the_stored_aggregate() -> None:
    repository, stubber = stubbed()
    newer = stored("c-2", points=150, version=3)
    with stubber:
        answer(
            stubber,
            OK,
            {
                "Error": {
                    "Code": "ConditionalCheckFailed",
                    "Message": "The conditional request failed",
                    "Item": aggregate_to_item(newer),
                },
                "TableName": TABLE_NAME,
            },
            OK,
        )
        failures = repository.save_aggregates(updates("c-1", "c-2", "c-3"))
    assert set(failures) == {"c-2"}
    conflict = failures["c-2"]
    assert isinstance(conflict, AggregateConflict)
    assert conflict.current == newer


def test_an_insert_that_finds_an_aggregate_reads_the_stored_one_once_for_all() -> None:
    repository, stubber = stubbed()
    first = [AggregateSave(stored(c), None) for c in ("c-1", "c-2", "c-3")]
    duplicate = {"Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists"}}
    with stubber:
        answer(stubber, duplicate, OK, duplicate)
        stubber.add_response(
            "batch_get_item",
            {"Responses": {TABLE_NAME: [aggregate_to_item(stored("c-1", version=4))]}},
            {
                "RequestItems": {
                    TABLE_NAME: {
                        "Keys": [aggregate_key("c-1"), aggregate_key("c-3")],
                        "ConsistentRead": True,
                    }
                }
            },
        )
        failures = repository.save_aggregates(first)
    assert set(failures) == {"c-1", "c-3"}
    assert isinstance(failures["c-1"], AggregateConflict)
    assert failures["c-1"].current == stored("c-1", version=4)
    # Gone again by the time of the read: a conflict with nothing stored, written as new next.
    assert isinstance(failures["c-3"], AggregateConflict)
    assert failures["c-3"].current is None


@pytest.mark.parametrize(
    "code",
    [
        "ProvisionedThroughputExceeded",
        "ThrottlingError",
        "RequestLimitExceeded",
        "InternalServerError",
        "TransactionConflict",
    ],
)
def test_a_throttled_statement_is_sent_again_alone_and_lands(code: str) -> None:
    repository, stubber = stubbed()
    with stubber:
        answer(stubber, OK, {"Error": {"Code": code, "Message": "try again"}}, OK)
        stubber.add_response(
            "batch_execute_statement",
            {"Responses": [OK]},
            {"Statements": [{"Statement": ANY, "Parameters": ANY,
                             "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}]},
        )  # fmt: skip
        assert repository.save_aggregates(updates("c-1", "c-2", "c-3")) == {}
        stubber.assert_no_pending_responses()


def test_a_statement_throttled_through_every_attempt_fails_that_customer_only() -> None:
    repository, stubber = stubbed()
    throttled = {"Error": {"Code": "ThrottlingError", "Message": "slow down"}}
    with stubber:
        answer(stubber, throttled, OK)
        for _ in range(7):
            answer(stubber, throttled)
        failures = repository.save_aggregates(updates("c-1", "c-2"))
        stubber.assert_no_pending_responses()
    assert set(failures) == {"c-1"}
    assert isinstance(failures["c-1"], RetriesExhausted)
    assert "c-1" in str(failures["c-1"])


@pytest.mark.parametrize(
    "code", ["ValidationError", "AccessDenied", "ItemCollectionSizeLimitExceeded"]
)
def test_any_other_refusal_fails_that_customer_naming_the_code_and_the_rest_land(
    code: str,
) -> None:
    repository, stubber = stubbed()
    with stubber:
        answer(stubber, OK, {"Error": {"Code": code, "Message": "refused for a reason"}})
        failures = repository.save_aggregates(updates("c-1", "c-2"))
    assert set(failures) == {"c-2"}
    refused = failures["c-2"]
    assert isinstance(refused, AggregateWriteRefused)
    assert (refused.customer_id, refused.code) == ("c-2", code)
    assert str(refused) == f"aggregate write of c-2 refused: {code}: refused for a reason"


def test_a_refused_request_fails_every_customer_in_it_and_no_other() -> None:
    repository, stubber = stubbed()
    writes = updates(*(f"c-{n}" for n in range(30)))
    with stubber:
        answer(stubber, *([OK] * 25))
        stubber.add_client_error(
            "batch_execute_statement",
            service_error_code="AccessDeniedException",
            service_message="not authorized to perform: dynamodb:PartiQLUpdate",
            http_status_code=400,
        )
        # The two requests run concurrently; answer them in the order they are sent.
        failures = repository.save_aggregates(writes, executor=InlineExecutor())
    assert set(failures) == {f"c-{n}" for n in range(25, 30)}
    assert all(isinstance(error, ClientError) for error in failures.values())


def test_a_batch_of_customers_goes_out_25_statements_per_request(
    repository: DynamoDBLoyaltyRepository, requests: RequestCounter
) -> None:
    first = [AggregateSave(stored(f"c-{n}"), None) for n in range(30)]
    assert repository.save_aggregates(first) == {}
    assert dict(requests.calls) == {"BatchExecuteStatement": 2}
    requests.reset()
    assert repository.save_aggregates(updates(*(f"c-{n}" for n in range(30)))) == {}
    assert dict(requests.calls) == {"BatchExecuteStatement": 2}
    assert repository.get_aggregate("c-29") == replace(stored("c-29"), points=200, version=2)


def test_one_customer_alone_is_one_put_item(
    repository: DynamoDBLoyaltyRepository, requests: RequestCounter
) -> None:
    assert repository.save_aggregates([AggregateSave(stored("c-1"), None)]) == {}
    assert dict(requests.calls) == {"PutItem": 1}


def test_an_update_removes_what_only_the_replaced_aggregate_had(
    repository: DynamoDBLoyaltyRepository, dynamodb: DynamoDBClient
) -> None:
    owing = replace(stored("c-1"), arrears=40)
    other = stored("c-2")
    repository.save_aggregates([AggregateSave(owing, None), AggregateSave(other, None)])
    repaid = replace(owing, arrears=0, version=2)
    assert (
        repository.save_aggregates(
            [AggregateSave(repaid, owing), AggregateSave(replace(other, version=2), other)]
        )
        == {}
    )
    item = dynamodb.get_item(TableName=TABLE_NAME, Key=aggregate_key("c-1"))["Item"]
    assert item == aggregate_to_item(repaid)
    assert "arrears" not in item


def test_a_stale_cache_conflicts_once_and_the_batch_lands_on_the_stored_aggregate(
    repository: DynamoDBLoyaltyRepository, requests: RequestCounter
) -> None:
    cache = AggregateCache()
    records = [
        stream_record(None, transaction_image(c, "b-1", 1_000), sequence_number=n)
        for n, c in enumerate(("c-1", "c-2"), start=1)
    ]
    aggregate_stream_event({"Records": records}, repository, cache=cache)
    # Another writer (a redemption) changes c-1's aggregate: the cached one is now stale.
    cached = repository.get_aggregate("c-1")
    assert cached is not None
    repository.save_aggregate(replace(cached, arrears=10, version=cached.version + 1), cached)
    requests.reset()
    more = [
        stream_record(None, transaction_image(c, "b-2", 500), sequence_number=n)
        for n, c in enumerate(("c-1", "c-2"), start=3)
    ]
    result = aggregate_stream_event({"Records": more}, repository, cache=cache)
    assert result.response() == {"batchItemFailures": []}
    # The batch's UPDATE of c-1 failed its version condition and returned the stored item; c-1
    # alone was folded onto it and written again.
    assert dict(requests.calls) == {"BatchExecuteStatement": 1, "PutItem": 1}
    c1 = repository.get_aggregate("c-1")
    assert c1 is not None
    assert (c1.points, c1.arrears) == (1_490, 0)
    c2 = repository.get_aggregate("c-2")
    assert c2 is not None
    assert c2.points == 1_500


def test_a_first_write_that_races_another_conflicts_with_what_the_other_stored(
    repository: DynamoDBLoyaltyRepository, requests: RequestCounter
) -> None:
    other = stored("c-1", points=70, version=1)
    repository.save_aggregate(other, None)
    requests.reset()
    failures = repository.save_aggregates(
        [AggregateSave(stored("c-1"), None), AggregateSave(stored("c-2"), None)]
    )
    assert set(failures) == {"c-1"}
    conflict = failures["c-1"]
    assert isinstance(conflict, AggregateConflict)
    assert conflict.current == other
    assert dict(requests.calls) == {"BatchExecuteStatement": 1, "BatchGetItem": 1}
    assert repository.get_aggregate("c-2") == stored("c-2")
