"""GET /loyalty/{customerId}: own id, another's id, admin group, unknown customer, bad id."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty import CustomerAggregate, InMemoryLoyaltyRepository, Lot, Tier, get_points_response
from loyalty.inbound.api_gateway import caller_groups
from tests.support.builders import api_event, http_api_event

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DAY = 86_400
MIDNIGHT = int(datetime(2026, 11, 25, tzinfo=UTC).timestamp())
LOTS = (
    Lot(MIDNIGHT, 10_000, 10_000),
    Lot(MIDNIGHT + DAY, 30_000, 30_000),
    Lot(MIDNIGHT + 2 * DAY, 15_000, 15_000),
    Lot(MIDNIGHT + 3 * DAY, 5_000, 5_000),
)


@pytest.fixture
def repository() -> InMemoryLoyaltyRepository:
    repository = InMemoryLoyaltyRepository()
    stored = CustomerAggregate("c-1", 60_000, Tier.SILVER, LOTS, qualifying_points=60_000)
    repository.save_aggregate(stored, None)
    return repository


def call(
    repository: InMemoryLoyaltyRepository, event: dict[str, Any], at: datetime = NOW
) -> tuple[int, Any]:
    response = get_points_response(event, repository, admin_group="loyalty-admins", now=lambda: at)
    assert response["headers"] == {"Content-Type": "application/json"}
    return response["statusCode"], json.loads(response["body"])


def test_a_customer_reads_their_points_tier_and_next_expiring_lots(
    repository: InMemoryLoyaltyRepository,
) -> None:
    assert call(repository, api_event("c-1", sub="c-1")) == (
        200,
        {
            "points": 60_000,
            "level": "SILVER",
            "remainingPoints": 40_000,
            "qualifyingPoints": 60_000,
            "heldPoints": 0,
            "arrears": 0,
            "expiring": [
                {"expiresAt": "2026-11-25T00:00:00.000Z", "points": 10_000},
                {"expiresAt": "2026-11-26T00:00:00.000Z", "points": 30_000},
                {"expiresAt": "2026-11-27T00:00:00.000Z", "points": 15_000},
            ],
        },
    )


def test_a_lot_stops_counting_at_its_expiry_instant_without_any_write(
    repository: InMemoryLoyaltyRepository,
) -> None:
    last_second = datetime(2026, 11, 24, 23, 59, 59, 999_000, tzinfo=UTC)
    assert call(repository, api_event("c-1", sub="c-1"), at=last_second)[1]["points"] == 60_000
    _, body = call(
        repository, api_event("c-1", sub="c-1"), at=datetime.fromtimestamp(MIDNIGHT, UTC)
    )
    assert (body["points"], body["qualifyingPoints"], body["level"]) == (50_000, 50_000, "SILVER")
    assert body["expiring"][0] == {"expiresAt": "2026-11-26T00:00:00.000Z", "points": 30_000}
    _, body = call(repository, api_event("c-1", sub="c-1"), at=NOW + timedelta(days=2))
    assert (body["points"], body["level"], body["remainingPoints"]) == (20_000, "BRONZE", 30_000)
    assert len(body["expiring"]) == 2


def test_an_unknown_customer_has_zero_points_at_bronze(
    repository: InMemoryLoyaltyRepository,
) -> None:
    assert call(repository, api_event("c-new", sub="c-new")) == (
        200,
        {
            "points": 0,
            "level": "BRONZE",
            "remainingPoints": 50_000,
            "qualifyingPoints": 0,
            "heldPoints": 0,
            "arrears": 0,
            "expiring": [],
        },
    )


def test_reading_someone_elses_points_is_forbidden(repository: InMemoryLoyaltyRepository) -> None:
    status, body = call(repository, api_event("c-1", sub="c-2"))
    assert status == 403
    assert "own points" in body["message"]


@pytest.mark.parametrize(
    "groups",
    [
        "loyalty-admins",
        "[loyalty-admins]",
        "[ops, loyalty-admins]",
        "[ops loyalty-admins]",
        ["ops", "loyalty-admins"],
    ],
)
def test_the_admin_group_may_read_any_customer_in_every_claim_rendering(
    repository: InMemoryLoyaltyRepository, groups: Any
) -> None:
    assert call(repository, api_event("c-1", sub="admin-7", groups=groups))[0] == 200


def test_a_group_name_that_only_contains_the_admin_group_is_not_admin(
    repository: InMemoryLoyaltyRepository,
) -> None:
    assert call(repository, api_event("c-1", sub="x", groups="[loyalty-admins-readonly]"))[0] == 403


@pytest.mark.parametrize("customer_id", ["", "a#b", "x" * 129, None])
def test_an_invalid_customer_id_is_a_bad_request(
    repository: InMemoryLoyaltyRepository, customer_id: str | None
) -> None:
    status, body = call(repository, api_event(customer_id, sub="c-1"))
    assert status == 400
    assert body["message"].startswith("invalid customerId")


def test_a_request_without_identity_is_unauthorized(repository: InMemoryLoyaltyRepository) -> None:
    assert call(repository, api_event("c-1", sub=None))[0] == 401


def test_groups_claim_parsing() -> None:
    assert caller_groups("[a, b]") == caller_groups(["a", "b"]) == frozenset({"a", "b"})
    assert caller_groups("[a b]", rest_api=False) == frozenset({"a", "b"})
    assert caller_groups(None) == frozenset()


@pytest.mark.parametrize(
    "groups",
    [
        "partners,loyalty-admins",
        "[partners,loyalty-admins]",
        "loyalty-admins,partners",
        ["partners,loyalty-admins"],
        "[partners,loyalty-admins other]",
        "[loyalty-admins,]",
    ],
)
def test_a_group_whose_name_merely_contains_the_admin_group_after_a_comma_is_not_admin(
    repository: InMemoryLoyaltyRepository, groups: Any
) -> None:
    assert call(repository, api_event("c-1", sub="x", groups=groups))[0] == 403
    assert call(repository, http_api_event("c-1", sub="x", groups=groups))[0] == 403


def test_an_http_api_caller_reads_their_own_points(repository: InMemoryLoyaltyRepository) -> None:
    assert call(repository, http_api_event("c-1", sub="c-1")) == call(
        repository, api_event("c-1", sub="c-1")
    )
    assert call(repository, http_api_event("c-1", sub="c-1"))[1]["points"] == 60_000
    assert call(repository, http_api_event("c-1", sub="c-2"))[0] == 403
    assert call(repository, http_api_event("c-1", sub=None))[0] == 401


@pytest.mark.parametrize("groups", ["[ops loyalty-admins]", "[loyalty-admins]", "loyalty-admins"])
def test_the_admin_group_in_an_http_api_claim_may_read_any_customer(
    repository: InMemoryLoyaltyRepository, groups: str
) -> None:
    assert call(repository, http_api_event("c-1", sub="admin-7", groups=groups))[0] == 200


def test_an_http_api_claim_keeps_a_comma_that_ends_a_group_name(
    repository: InMemoryLoyaltyRepository,
) -> None:
    event = http_api_event("c-1", sub="x", groups="[loyalty-admins, ops]")
    assert call(repository, event)[0] == 403


def with_request_context(context: Any) -> dict[str, Any]:
    return {**api_event("c-1", sub="c-1"), "requestContext": context}


@pytest.mark.parametrize(
    ("event", "status"),
    [
        pytest.param(
            with_request_context({"authorizer": {"claims": "sub=c-1"}}), 401, id="claims-string"
        ),
        pytest.param(with_request_context({"authorizer": "claims"}), 401, id="authorizer-string"),
        pytest.param(with_request_context(["authorizer"]), 401, id="context-list"),
        pytest.param(with_request_context(None), 401, id="context-null"),
        pytest.param(
            with_request_context({"authorizer": {"jwt": {"claims": ["sub"]}}}), 401, id="jwt-list"
        ),
        pytest.param(
            with_request_context({"authorizer": {"claims": {"sub": 42}}}), 401, id="sub-number"
        ),
        pytest.param(
            {**api_event("c-1", sub="c-1"), "pathParameters": "c-1"}, 400, id="path-string"
        ),
        pytest.param([], 400, id="event-list"),
        pytest.param(api_event("c-1", sub="x", groups={"admin": True}), 403, id="groups-object"),
        pytest.param(api_event("c-1", sub="x", groups=[None, 7]), 403, id="groups-not-strings"),
    ],
)
def test_a_malformed_event_is_a_client_error_never_an_exception(
    repository: InMemoryLoyaltyRepository, event: Any, status: int
) -> None:
    response = get_points_response(event, repository, admin_group="loyalty-admins")
    assert response["statusCode"] == status
    assert json.loads(response["body"])["message"]
