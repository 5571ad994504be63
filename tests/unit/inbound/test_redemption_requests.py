"""Parsing the redemption routes: encodings, nesting, routes and methods, each answered."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from loyalty import InMemoryLoyaltyRepository, redemption_response
from loyalty.inbound.api_gateway import Refusal
from loyalty.inbound.redemption_requests import (
    RESERVE_ROUTE,
    RedemptionRequest,
    parse_redemption_request,
)
from tests.support.builders import fixed_clock, post_event

ADMIN = "loyalty-admins"


def reserve_event(body: Any, **changes: Any) -> dict[str, Any]:
    event = post_event(RESERVE_ROUTE, {"customerId": "c-1"}, body, sub="c-1")
    event.update(changes)
    return event


def test_a_base64_encoded_body_is_decoded_before_it_is_parsed() -> None:
    raw = json.dumps({"redemptionId": "r-1", "points": 5}).encode()
    event = reserve_event(base64.b64encode(raw).decode(), isBase64Encoded=True)
    assert parse_redemption_request(event, admin_group=ADMIN) == RedemptionRequest(
        "reserve", "c-1", "r-1", 5
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"points": 1' + "0" * 5_000 + "}", "digits"),
        ('{"points": 1,', "is not JSON"),
    ],
)
def test_a_body_that_is_not_json_is_a_400_naming_the_body(body: str, reason: str) -> None:
    refusal = parse_redemption_request(reserve_event(body), admin_group=ADMIN)
    assert isinstance(refusal, Refusal)
    assert (refusal.status, refusal.body.get("field")) == (400, "body")
    assert reason in refusal.body["message"]


def test_a_body_flagged_base64_that_is_not_is_a_400_naming_the_body() -> None:
    event = reserve_event("not base64!", isBase64Encoded=True)
    refusal = parse_redemption_request(event, admin_group=ADMIN)
    assert isinstance(refusal, Refusal)
    assert (refusal.status, refusal.body.get("field")) == (400, "body")


@pytest.mark.parametrize(
    "changes",
    [{"httpMethod": "GET"}, {"resource": "/loyalty/{customerId}"}, {"resource": None}],
)
def test_an_event_of_another_route_or_method_is_a_400(changes: dict[str, Any]) -> None:
    event = reserve_event({"redemptionId": "r-1", "points": 5}, **changes)
    response = redemption_response(event, InMemoryLoyaltyRepository(), admin_group=ADMIN)
    assert response["statusCode"] == 400
    assert "redemption route" in json.loads(response["body"])["message"]


def test_the_caller_is_checked_before_the_body() -> None:
    event = post_event(RESERVE_ROUTE, {"customerId": "c-2"}, "{", sub="c-1")
    refusal = parse_redemption_request(event, admin_group=ADMIN)
    assert isinstance(refusal, Refusal)
    assert refusal.status == 403


def test_a_customer_without_an_aggregate_has_no_points_to_hold() -> None:
    event = reserve_event({"redemptionId": "r-1", "points": 5})
    response = redemption_response(
        event, InMemoryLoyaltyRepository(), admin_group=ADMIN, now=fixed_clock
    )
    assert response["statusCode"] == 409
    assert json.loads(response["body"])["availablePoints"] == 0
