"""The redemption routes behind API Gateway: reserve, commit and cancel over HTTP.

``POST /loyalty/{customerId}/redemptions`` with ``{"redemptionId", "points"}`` reserves,
``POST .../redemptions/{redemptionId}/commit`` commits and ``.../cancel`` cancels. Each request
is parsed (route, caller, ids, body) into a :class:`RedemptionRequest` or refused with the field
at fault, runs one service call, and the one error it may raise maps to one status
(:data:`ERROR_STATUSES`). Parsed without pydantic: the function's cold start does not load it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

# pydantic reads TypedDicts from typing_extensions only, before Python 3.12.
from typing_extensions import TypedDict

from loyalty.domain.clock import Clock, utc_now
from loyalty.domain.redemptions import DEFAULT_HOLD_TIMEOUT, RedemptionStatus
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.errors import (
    AggregateNotReady,
    HoldExpired,
    InsufficientPoints,
    LoyaltyError,
    RedemptionCancelled,
    RedemptionConflict,
    RedemptionNotFound,
    RetriesExhausted,
)
from loyalty.inbound.api_gateway import Refusal, authorize_customer, json_response
from loyalty.inbound.identifiers import validate_identifier
from loyalty.services.redemptions import cancel, commit, reserve

if TYPE_CHECKING:
    from datetime import timedelta

    from loyalty.domain.redemptions import Redemption
    from loyalty.repository.base import LoyaltyRepository

__all__ = [
    "ERROR_STATUSES",
    "RESERVE_ROUTE",
    "ConflictBody",
    "RedemptionHeldBody",
    "RedemptionRequest",
    "RedemptionStatusBody",
    "ReserveBody",
    "error_response",
    "parse_redemption_request",
    "redemption_response",
]

RESERVE_ROUTE = "/loyalty/{customerId}/redemptions"
_COMMIT_ROUTE = "/loyalty/{customerId}/redemptions/{redemptionId}/commit"
_CANCEL_ROUTE = "/loyalty/{customerId}/redemptions/{redemptionId}/cancel"
_ACTIONS: dict[str, Literal["reserve", "commit", "cancel"]] = {
    RESERVE_ROUTE: "reserve",
    _COMMIT_ROUTE: "commit",
    _CANCEL_ROUTE: "cancel",
}


class ReserveBody(TypedDict):
    """The body of a reserve: the client's id for the redemption (its idempotency key) and the
    points to hold, a positive integer."""

    redemptionId: str
    points: int


class RedemptionHeldBody(TypedDict):
    """The answer to a reserve: the hold and the instant (ISO 8601 UTC) it times out.

    ``status`` is ``HELD`` for a new hold; a repeated reserve answers where the redemption
    stands now (``COMMITTED``, ``CANCELLED``, or ``EXPIRED`` once its hold timed out).
    """

    redemptionId: str
    status: RedemptionStatus
    points: int
    holdExpiresAt: str


class RedemptionStatusBody(TypedDict):
    """The answer to a commit (``COMMITTED``) or a cancel (``CANCELLED``)."""

    status: RedemptionStatus


class ConflictBody(TypedDict):
    """A 409 of a reserve: the points the customer can spend now, to choose a new request."""

    message: str
    availablePoints: int


ERROR_STATUSES: dict[type[LoyaltyError], int] = {
    InsufficientPoints: 409,
    RedemptionConflict: 409,
    HoldExpired: 409,
    RedemptionCancelled: 409,
    RedemptionNotFound: 404,
    # Neither is the client's to resolve, and a retry of the same request is safe (idempotent):
    # an aggregate that predates lots waits for `loyalty backfill`; a customer whose aggregate
    # kept changing through every attempt is under a burst of writes.
    AggregateNotReady: 503,
    RetriesExhausted: 503,
}
"""The status each error of the redemption services is answered with."""


@dataclass(frozen=True, slots=True)
class RedemptionRequest:
    """A parsed, authorized redemption request (``points`` is 0 for a commit or a cancel)."""

    action: Literal["reserve", "commit", "cancel"]
    customer_id: str
    redemption_id: str
    points: int = 0


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _route(event: Mapping[str, Any]) -> str | None:
    """The resource path of a ``POST``: REST's ``resource``, or HTTP API's ``routeKey``."""
    method: object
    route: object
    if event.get("version") == "2.0":
        route_key = event.get("routeKey")
        method, _, route = route_key.partition(" ") if isinstance(route_key, str) else ("", "", "")
    else:
        method, route = event.get("httpMethod"), event.get("resource")
    return route if method == "POST" and isinstance(route, str) else None


def _json_body(event: Mapping[str, Any]) -> object | Refusal:
    body = event.get("body")
    if not isinstance(body, str) or not body:
        return Refusal.bad_field("body", "must be a JSON object")
    if event.get("isBase64Encoded") is True:
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return Refusal.bad_field("body", "is not valid base64-encoded UTF-8")
    try:
        parsed: object = json.loads(body)
    except json.JSONDecodeError as error:
        return Refusal.bad_field("body", f"is not JSON ({error.msg})")
    except RecursionError:
        # Deeply nested arrays exhaust the parser's stack.
        return Refusal.bad_field("body", "is nested too deeply")
    except ValueError as error:
        # An integer of more digits than int() converts.
        return Refusal.bad_field("body", str(error))
    return parsed


def _reserve_body(event: Mapping[str, Any]) -> ReserveBody | Refusal:
    parsed = _json_body(event)
    if isinstance(parsed, Refusal):
        return parsed
    if not isinstance(parsed, dict):
        return Refusal.bad_field("body", "must be a JSON object")
    unknown = sorted(set(parsed) - set(ReserveBody.__annotations__))
    if unknown:
        return Refusal.bad_field(unknown[0], "is not a field of a reserve")
    if "redemptionId" not in parsed:
        return Refusal.bad_field("redemptionId", "is required")
    redemption_id = parsed["redemptionId"]
    try:
        validate_identifier(redemption_id)
    except ValueError as error:
        return Refusal.bad_field("redemptionId", str(error))
    if "points" not in parsed:
        return Refusal.bad_field("points", "is required")
    points = parsed["points"]
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        return Refusal.bad_field("points", f"must be a positive integer (got {points!r:.40})")
    return {"redemptionId": redemption_id, "points": points}


def parse_redemption_request(
    event: object, *, admin_group: str | None
) -> RedemptionRequest | Refusal:
    """Parse an API Gateway proxy event (REST or HTTP API) of a redemption route.

    Checked in order: the route (400 if the event is not a ``POST`` of one of the three), the
    caller (:func:`~loyalty.inbound.api_gateway.authorize_customer`: 400, 401, 403), then the
    path's ``redemptionId`` or the reserve's body (400 naming the field).
    """
    if not isinstance(event, Mapping):
        return Refusal(400, {"message": "not an API Gateway proxy event"})
    action = _ACTIONS.get(_route(event) or "")
    if action is None:
        return Refusal(400, {"message": "not a POST of a redemption route"})
    customer_id = authorize_customer(event, admin_group=admin_group)
    if isinstance(customer_id, Refusal):
        return customer_id
    if action == "reserve":
        body = _reserve_body(event)
        if isinstance(body, Refusal):
            return body
        return RedemptionRequest(action, customer_id, body["redemptionId"], body["points"])
    redemption_id = _mapping(event.get("pathParameters")).get("redemptionId")
    try:
        validate_identifier(redemption_id)
    except ValueError as error:
        return Refusal.bad_field("redemptionId", str(error))
    return RedemptionRequest(action, customer_id, str(redemption_id))


def error_response(error: LoyaltyError) -> dict[str, Any]:
    """The answer to an error of the redemption services, with the status of its type.

    The 409s of a reserve (:class:`~loyalty.errors.InsufficientPoints`,
    :class:`~loyalty.errors.RedemptionConflict`) carry ``availablePoints``.

    Raises
    ------
    LoyaltyError
        ``error`` itself, if no status is defined for its type.
    """
    status = next((s for kind, s in ERROR_STATUSES.items() if isinstance(error, kind)), None)
    if status is None:
        raise error
    if isinstance(error, InsufficientPoints | RedemptionConflict):
        return json_response(status, {"message": str(error), "availablePoints": error.available})
    return json_response(status, {"message": str(error)})


def _answer(request: RedemptionRequest, redemption: Redemption, now: Clock) -> dict[str, Any]:
    if request.action == "reserve":
        held: RedemptionHeldBody = {
            "redemptionId": redemption.redemption_id,
            "status": redemption.status_at(now()),
            "points": redemption.points,
            "holdExpiresAt": redemption.hold_expires_at_iso,
        }
        return json_response(201, held)
    answer: RedemptionStatusBody = {"status": redemption.status}
    return json_response(200, answer)


def redemption_response(
    event: object,
    repository: LoyaltyRepository,
    *,
    admin_group: str | None = None,
    hold_timeout: timedelta = DEFAULT_HOLD_TIMEOUT,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
) -> dict[str, Any]:
    """Answer an API Gateway proxy event of a redemption route (REST or HTTP API).

    Responses: 201 ``{"redemptionId", "status", "points", "holdExpiresAt"}`` for a reserve,
    200 ``{"status"}`` for a commit or a cancel; 400 naming the field, 401, 403
    (:func:`parse_redemption_request`); 404, 409 and 503 as in :data:`ERROR_STATUSES`. A
    malformed event is answered, never raised; a repeated request gets the same answer.
    """
    request = parse_redemption_request(event, admin_group=admin_group)
    if isinstance(request, Refusal):
        return request.response()
    customer, redemption_id = request.customer_id, request.redemption_id
    try:
        if request.action == "reserve":
            redemption = reserve(
                repository,
                customer,
                redemption_id,
                request.points,
                hold_timeout=hold_timeout,
                tiers=tiers,
                now=now,
            )
        elif request.action == "commit":
            redemption = commit(repository, customer, redemption_id, tiers=tiers, now=now)
        else:
            redemption = cancel(repository, customer, redemption_id, tiers=tiers, now=now)
    except LoyaltyError as error:
        return error_response(error)
    return _answer(request, redemption, now)
