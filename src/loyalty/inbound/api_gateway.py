"""The read path behind API Gateway: ``GET /loyalty/{customerId}`` with per-caller authorization."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from loyalty.domain.clock import Clock, utc_now
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, TierPolicy
from loyalty.inbound.identifiers import validate_identifier
from loyalty.services.read import customer_summary

if TYPE_CHECKING:
    from collections.abc import Mapping

    from loyalty.repository.base import LoyaltyRepository

__all__ = ["caller_groups", "get_points_response"]


def caller_groups(claim: object) -> frozenset[str]:
    """Parse the ``cognito:groups`` claim in any of the forms API Gateway renders it.

    A list, a single name, ``"a,b"``, ``"[a, b]"`` or ``"[a b]"`` all give the same set.
    """
    if isinstance(claim, list | tuple):
        return frozenset(str(group).strip() for group in claim if str(group).strip())
    if not isinstance(claim, str):
        return frozenset()
    text = claim.strip().removeprefix("[").removesuffix("]")
    return frozenset(part for part in text.replace(",", " ").split() if part)


def _response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def get_points_response(
    event: Mapping[str, Any],
    repository: LoyaltyRepository,
    *,
    admin_group: str | None = None,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    now: Clock = utc_now,
) -> dict[str, Any]:
    """Answer an API Gateway (REST, proxy) ``GET /loyalty/{customerId}`` event.

    A caller may read their own customer id (the authorizer's ``sub`` claim), or any id if their
    ``cognito:groups`` claim includes ``admin_group``. Responses: 200 with ``{"points", "level",
    "remainingPoints", "qualifyingPoints", "heldPoints", "arrears", "expiring"}`` computed at
    ``now()`` (an unknown customer has 0 points, BRONZE), 400 for an invalid id, 401 without a
    caller identity, 403 for someone else's id.
    """
    customer_id = (event.get("pathParameters") or {}).get("customerId")
    try:
        validate_identifier(customer_id)
    except ValueError as error:
        return _response(400, {"message": f"invalid customerId: {error}"})
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("claims") or {}
    caller = claims.get("sub")
    if not caller:
        return _response(401, {"message": "no caller identity"})
    is_admin = admin_group is not None and admin_group in caller_groups(
        claims.get("cognito:groups")
    )
    if caller != customer_id and not is_admin:
        return _response(403, {"message": "you may only read your own points"})
    summary = customer_summary(repository, str(customer_id), tiers=tiers, at=now())
    return _response(200, summary.as_response())
