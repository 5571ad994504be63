"""API Gateway requests: who is calling, whether they may act on a customer, and the read path.

Every route of the HTTP API acts on one customer, ``/loyalty/{customerId}...``: a caller acts on
their own id (the authorizer's ``sub`` claim), or on any id if their ``cognito:groups`` claim
includes the admin group. :func:`authorize_customer` decides that once for every route.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NotRequired

# pydantic reads TypedDicts from typing_extensions only, before Python 3.12.
from typing_extensions import TypedDict

from loyalty.domain.clock import Clock, utc_now
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, Tier, TierPolicy
from loyalty.inbound.identifiers import validate_identifier
from loyalty.services.read import customer_summary

if TYPE_CHECKING:
    from loyalty.repository.base import LoyaltyRepository

__all__ = [
    "ErrorBody",
    "ExpiringPointsBody",
    "PointsBody",
    "Refusal",
    "authorize_customer",
    "caller_groups",
    "get_points_response",
    "json_response",
]


class ErrorBody(TypedDict):
    """The body of every 4xx and 5xx answer; ``field`` names the part of the request at fault."""

    message: str
    field: NotRequired[str]


class ExpiringPointsBody(TypedDict):
    """Points of one lot and the instant (ISO 8601 UTC) they expire."""

    expiresAt: str
    points: int


class PointsBody(TypedDict):
    """The body of ``GET /loyalty/{customerId}``: ``points`` is what the customer can spend."""

    points: int
    level: Tier
    remainingPoints: int
    qualifyingPoints: int
    heldPoints: int
    arrears: int
    expiring: list[ExpiringPointsBody]


def caller_groups(claim: object, *, rest_api: bool = True) -> frozenset[str]:
    """Parse the ``cognito:groups`` claim in the forms API Gateway renders it.

    - A list of strings (as in the token itself): exactly those names.
    - ``"[a, b]"`` (REST API) or ``"[a b]"`` (HTTP API): the names between the brackets. Cognito
      group names contain no whitespace, so whitespace only ever separates them; with
      ``rest_api``, the comma of REST's ``", "`` separator is dropped too (and only when every
      name but the last carries one, so the rendering is unambiguous).
    - Any other string: a single group name, never split. A comma is legal in a group name, so
      ``"partners,loyalty-admins"`` is one group, not the admin group.

    Anything else (a number, an object, a list holding a non-string) gives no groups: a
    malformed claim never widens what a caller may do.
    """
    if isinstance(claim, list | tuple):
        if not all(isinstance(group, str) for group in claim):
            return frozenset()
        return frozenset(group for group in claim if group)
    if not isinstance(claim, str):
        return frozenset()
    if not (claim.startswith("[") and claim.endswith("]")):
        return frozenset({claim}) if claim else frozenset()
    names = claim[1:-1].split()
    if rest_api and len(names) > 1 and all(name.endswith(",") for name in names[:-1]):
        names = [name.removesuffix(",") for name in names[:-1]] + names[-1:]
    return frozenset(name for name in names if name)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _claims(event: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """The authorizer's claims and whether the event came from a REST API (payload 1.0).

    REST APIs put a Cognito authorizer's claims at ``requestContext.authorizer.claims``, HTTP
    APIs (payload 2.0) a JWT authorizer's at ``requestContext.authorizer.jwt.claims``.
    """
    authorizer = _mapping(_mapping(event.get("requestContext")).get("authorizer"))
    if event.get("version") == "2.0" or "jwt" in authorizer:
        return _mapping(_mapping(authorizer.get("jwt")).get("claims")), False
    return _mapping(authorizer.get("claims")), True


def json_response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """An API Gateway proxy response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is not served: the status and the body of the answer."""

    status: int
    body: ErrorBody

    @classmethod
    def bad_field(cls, field: str, reason: str) -> Refusal:
        """A 400 naming the field at fault."""
        return cls(400, {"message": f"invalid {field}: {reason}", "field": field})

    def response(self) -> dict[str, Any]:
        """The API Gateway proxy response."""
        return json_response(self.status, self.body)


def authorize_customer(event: object, *, admin_group: str | None) -> str | Refusal:
    """The ``customerId`` of the request's path if the caller may act on it, else the refusal.

    A caller may act on their own customer id (the ``sub`` claim), or on any id if their
    ``cognito:groups`` claim includes ``admin_group``. Refusals: 400 for an event that is not a
    proxy event or an invalid id, 401 without a caller identity, 403 for someone else's id.
    """
    if not isinstance(event, Mapping):
        return Refusal(400, {"message": "not an API Gateway proxy event"})
    customer_id = _mapping(event.get("pathParameters")).get("customerId")
    try:
        validate_identifier(customer_id)
    except ValueError as error:
        return Refusal.bad_field("customerId", str(error))
    claims, rest_api = _claims(event)
    caller = claims.get("sub")
    if not isinstance(caller, str) or not caller:
        return Refusal(401, {"message": "no caller identity"})
    is_admin = admin_group is not None and admin_group in caller_groups(
        claims.get("cognito:groups"), rest_api=rest_api
    )
    if caller != customer_id and not is_admin:
        return Refusal(403, {"message": "you may only act on your own points"})
    return str(customer_id)


def get_points_response(
    event: Mapping[str, Any],
    repository: LoyaltyRepository,
    *,
    admin_group: str | None = None,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
) -> dict[str, Any]:
    """Answer an API Gateway ``GET /loyalty/{customerId}`` proxy event (REST or HTTP API).

    A caller may read their own customer id, or any id as an admin (:func:`authorize_customer`).
    Responses: 200 with ``{"points", "level", "remainingPoints", "qualifyingPoints",
    "heldPoints", "arrears", "expiring"}`` computed at ``now()`` (an unknown customer has 0
    points, BRONZE), 400 for an invalid id or an event that is not a proxy event, 401 without a
    caller identity, 403 for someone else's id. A malformed event is answered, never raised.
    """
    customer_id = authorize_customer(event, admin_group=admin_group)
    if isinstance(customer_id, Refusal):
        return customer_id.response()
    summary = customer_summary(repository, customer_id, tiers=tiers, at=now())
    return json_response(200, summary.as_response())
