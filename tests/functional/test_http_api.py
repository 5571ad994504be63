"""The HTTP API's real responses, against moto, match its OpenAPI document route by route.

Every documented (route, status) pair has a scenario here, run through the real handlers with
REST (payload 1.0) and HTTP API (payload 2.0) events; each answer's body is validated against
the document's schema for that route and status, and a pair the handlers answer but the document
lacks fails the lookup.
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from loyalty import (
    CustomerAggregate,
    DynamoDBLoyaltyRepository,
    Lot,
    Tier,
    cancel,
    openapi_document,
    reserve,
)
from loyalty.repository.items import aggregate_to_item
from tests.support.aws import TABLE_NAME
from tests.support.builders import LambdaContext, api_event, http_api_event, post_event

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from mypy_boto3_dynamodb import DynamoDBClient

ADMIN = "loyalty-admins"
FAR = int(datetime(2099, 1, 1, tzinfo=UTC).timestamp())
BALANCE = 1_000
DOCUMENT = openapi_document()
REGISTRY = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(DOCUMENT))
GET = "/loyalty/{customerId}"
RESERVE = "/loyalty/{customerId}/redemptions"
COMMIT = "/loyalty/{customerId}/redemptions/{redemptionId}/commit"
CANCEL = "/loyalty/{customerId}/redemptions/{redemptionId}/cancel"


class Api:
    """The two handlers on one moto table, and the repository behind them."""

    def __init__(self, dynamodb: DynamoDBClient, http_api: bool) -> None:
        self.http_api = http_api
        self.redemptions = _reload("redemptions")
        self.get_points = _reload("get_points")
        self.repository = DynamoDBLoyaltyRepository(dynamodb, TABLE_NAME)
        self.dynamodb = dynamodb
        lots = (Lot(FAR, BALANCE, BALANCE),)
        for customer in ("c-1", "c-2"):
            stored = CustomerAggregate(customer, BALANCE, Tier.BRONZE, lots, BALANCE)
            self.repository.save_aggregate(stored, None)

    def get(self, customer: str | None, *, sub: str | None) -> dict[str, Any]:
        build = http_api_event if self.http_api else api_event
        return self.get_points.handler(build(customer, sub=sub), LambdaContext())

    def post(
        self,
        route: str,
        body: Any = None,
        *,
        customer: str = "c-1",
        redemption: str = "r-1",
        sub: str | None = "c-1",
    ) -> dict[str, Any]:
        parameters = {"customerId": customer}
        if route != RESERVE:
            parameters["redemptionId"] = redemption
        event = post_event(route, parameters, body, sub=sub, http_api=self.http_api)
        return self.redemptions.handler(event, LambdaContext())

    def reserve(self, redemption: str = "r-1", points: int = 100) -> dict[str, Any]:
        body = {"redemptionId": redemption, "points": points}
        return self.post(RESERVE, body)

    def make_not_ready(self, customer: str = "c-1") -> None:
        """Store the customer's aggregate as v1 wrote it: a balance, no lots."""
        current = self.repository.get_aggregate(customer)
        assert current is not None
        v1 = CustomerAggregate(customer, BALANCE, Tier.BRONZE, None, version=current.version + 1)
        self.dynamodb.put_item(TableName=TABLE_NAME, Item=aggregate_to_item(v1))


def _reload(name: str) -> ModuleType:
    return importlib.reload(importlib.import_module(f"lambda_entrypoints.{name}"))


@pytest.fixture(params=[False, True], ids=["rest-v1", "http-api-v2"])
def api(dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch, request: Any) -> Api:
    monkeypatch.setenv("LOYALTY_ADMIN_GROUP", ADMIN)
    monkeypatch.setenv("LOYALTY_HOLD_TIMEOUT_SECONDS", "900")
    return Api(dynamodb, http_api=request.param)


def _timed_out(api: Api) -> dict[str, Any]:
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    reserve(api.repository, "c-1", "r-old", 100, now=lambda: an_hour_ago)
    return api.post(COMMIT, redemption="r-old")


def _cancelled(api: Api, route: str) -> dict[str, Any]:
    api.reserve()
    cancel(api.repository, "c-1", "r-1")
    return api.post(route)


def _not_ready(api: Api, route: str) -> dict[str, Any]:
    api.reserve()
    api.make_not_ready()
    return api.post(route)


def _reserved_then(api: Api, route: str) -> dict[str, Any]:
    api.reserve()
    return api.post(route)


# (route, status, what the scenario shows) -> the scenario and the body fields it must answer.
Scenario = tuple["Callable[[Api], dict[str, Any]]", dict[str, Any]]
SCENARIOS: dict[tuple[str, int, str], Scenario] = {
    (GET, 200, "own points"): (lambda a: a.get("c-1", sub="c-1"), {"points": BALANCE}),
    (GET, 400, "bad id"): (lambda a: a.get("a#b", sub="a#b"), {"field": "customerId"}),
    (GET, 401, "no identity"): (lambda a: a.get("c-1", sub=None), {}),
    (GET, 403, "another's id"): (lambda a: a.get("c-2", sub="c-1"), {}),
    (RESERVE, 201, "held"): (
        lambda a: a.reserve(),
        {"redemptionId": "r-1", "status": "HELD", "points": 100},
    ),
    (RESERVE, 201, "repeated"): (lambda a: (a.reserve(), a.reserve())[1], {"status": "HELD"}),
    (RESERVE, 400, "invalid JSON"): (lambda a: a.post(RESERVE, "{"), {"field": "body"}),
    (RESERVE, 400, "no body"): (lambda a: a.post(RESERVE, None), {"field": "body"}),
    (RESERVE, 400, "body not an object"): (lambda a: a.post(RESERVE, [1]), {"field": "body"}),
    (RESERVE, 400, "missing points"): (
        lambda a: a.post(RESERVE, {"redemptionId": "r-1"}),
        {"field": "points"},
    ),
    (RESERVE, 400, "points zero"): (lambda a: a.reserve(points=0), {"field": "points"}),
    (RESERVE, 400, "points a string"): (
        lambda a: a.post(RESERVE, {"redemptionId": "r-1", "points": "5"}),
        {"field": "points"},
    ),
    (RESERVE, 400, "points a float"): (
        lambda a: a.post(RESERVE, {"redemptionId": "r-1", "points": 5.0}),
        {"field": "points"},
    ),
    (RESERVE, 400, "missing redemption id"): (
        lambda a: a.post(RESERVE, {"points": 5}),
        {"field": "redemptionId"},
    ),
    (RESERVE, 400, "bad redemption id"): (
        lambda a: a.reserve(redemption="r#1"),
        {"field": "redemptionId"},
    ),
    (RESERVE, 400, "unknown field"): (
        lambda a: a.post(RESERVE, {"redemptionId": "r-1", "points": 5, "point": 5}),
        {"field": "point"},
    ),
    (RESERVE, 401, "no identity"): (lambda a: a.post(RESERVE, {}, sub=None), {}),
    (RESERVE, 403, "another's id"): (lambda a: a.post(RESERVE, {}, customer="c-2"), {}),
    (RESERVE, 409, "too few points"): (
        lambda a: a.reserve(points=BALANCE + 1),
        {"availablePoints": BALANCE},
    ),
    (RESERVE, 409, "id used with other points"): (
        lambda a: (a.reserve(), a.reserve(points=200))[1],
        {"availablePoints": BALANCE - 100},
    ),
    (RESERVE, 503, "aggregate not ready"): (
        lambda a: (a.make_not_ready(), a.reserve())[1],
        {},
    ),
    (COMMIT, 200, "committed"): (lambda a: _reserved_then(a, COMMIT), {"status": "COMMITTED"}),
    (COMMIT, 400, "bad redemption id"): (
        lambda a: a.post(COMMIT, redemption="r 1"),
        {"field": "redemptionId"},
    ),
    (COMMIT, 401, "no identity"): (lambda a: a.post(COMMIT, sub=None), {}),
    (COMMIT, 403, "another's id"): (lambda a: a.post(COMMIT, customer="c-2"), {}),
    (COMMIT, 404, "unknown"): (lambda a: a.post(COMMIT), {}),
    (COMMIT, 409, "cancelled"): (lambda a: _cancelled(a, COMMIT), {}),
    (COMMIT, 409, "timed out"): (_timed_out, {}),
    (COMMIT, 503, "aggregate not ready"): (lambda a: _not_ready(a, COMMIT), {}),
    (CANCEL, 200, "cancelled"): (lambda a: _reserved_then(a, CANCEL), {"status": "CANCELLED"}),
    (CANCEL, 200, "cancelled again"): (lambda a: _cancelled(a, CANCEL), {"status": "CANCELLED"}),
    (CANCEL, 400, "bad redemption id"): (
        lambda a: a.post(CANCEL, redemption=""),
        {"field": "redemptionId"},
    ),
    (CANCEL, 401, "no identity"): (lambda a: a.post(CANCEL, sub=None), {}),
    (CANCEL, 403, "another's id"): (lambda a: a.post(CANCEL, customer="c-2"), {}),
    (CANCEL, 404, "unknown"): (lambda a: a.post(CANCEL), {}),
    (CANCEL, 503, "aggregate not ready"): (lambda a: _not_ready(a, CANCEL), {}),
}


def documented_schema(route: str, status: int) -> dict[str, Any]:
    (operation,) = DOCUMENT["paths"][route].values()
    return dict(operation["responses"][str(status)]["content"]["application/json"]["schema"])


def test_every_documented_route_and_status_has_a_scenario_and_no_other() -> None:
    documented = {
        (route, int(status))
        for route, item in DOCUMENT["paths"].items()
        for operation in item.values()
        for status in operation["responses"]
    }
    assert {(route, status) for route, status, _ in SCENARIOS} == documented


def test_every_schema_of_the_document_is_valid_json_schema() -> None:
    for schema in DOCUMENT["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda c: f"{c[0]} {c[1]} {c[2]}")
def test_each_answer_has_the_documented_status_and_body(
    api: Api, case: tuple[str, int, str]
) -> None:
    route, status, _ = case
    scenario, expected = SCENARIOS[case]
    response = scenario(api)
    body = json.loads(response["body"])
    assert (response["statusCode"], response["headers"]) == (
        status,
        {"Content-Type": "application/json"},
    ), body
    schema = {"$ref": "urn:openapi" + documented_schema(route, status)["$ref"]}
    Draft202012Validator(schema, registry=REGISTRY).validate(body)
    assert {name: body.get(name) for name in expected} == expected
    if status >= 400:
        assert body["message"]


def test_a_reserve_answers_the_hold_timeout_as_an_iso_instant_fifteen_minutes_ahead(
    api: Api,
) -> None:
    before = datetime.now(UTC)
    body = json.loads(api.reserve()["body"])
    held_until = datetime.fromisoformat(body["holdExpiresAt"])
    assert body["holdExpiresAt"].endswith("Z")
    assert timedelta(seconds=899) <= held_until - before <= timedelta(seconds=902)
    points = json.loads(api.get("c-1", sub="c-1")["body"])
    assert (points["points"], points["heldPoints"]) == (BALANCE - 100, 100)


def test_an_admin_redeems_for_any_customer(api: Api) -> None:
    event = post_event(
        RESERVE,
        {"customerId": "c-2"},
        {"redemptionId": "r-9", "points": 10},
        sub="someone",
        groups=[ADMIN],
        http_api=api.http_api,
    )
    assert api.redemptions.handler(event, LambdaContext())["statusCode"] == 201
    points = json.loads(api.get("c-2", sub="c-2")["body"])
    assert points["points"] == BALANCE - 10


def test_a_committed_redemption_is_spent_and_a_cancel_refunds_it(api: Api) -> None:
    api.reserve()
    assert api.post(COMMIT)["statusCode"] == 200
    assert json.loads(api.get("c-1", sub="c-1")["body"])["points"] == BALANCE - 100
    assert api.post(COMMIT)["statusCode"] == 200
    assert api.post(CANCEL)["statusCode"] == 200
    assert json.loads(api.get("c-1", sub="c-1")["body"])["points"] == BALANCE
