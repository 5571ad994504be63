"""The OpenAPI 3.1 document of the HTTP API, generated from the request and response bodies.

The schemas are the JSON Schemas of the TypedDicts the handlers build their bodies with
(:mod:`loyalty.inbound.api_gateway`, :mod:`loyalty.inbound.redemption_requests`), so the
document cannot drift from them; the tests check the handlers' real responses against it.
pydantic is imported here only, never by a Lambda entrypoint.
"""

from __future__ import annotations

from typing import Any

from loyalty import __version__
from loyalty.inbound.api_gateway import ErrorBody, PointsBody
from loyalty.inbound.redemption_requests import (
    ConflictBody,
    RedemptionHeldBody,
    RedemptionStatusBody,
    ReserveBody,
)

__all__ = ["openapi_document"]

_SCHEMAS: tuple[type, ...] = (
    PointsBody,
    ReserveBody,
    RedemptionHeldBody,
    RedemptionStatusBody,
    ConflictBody,
    ErrorBody,
)
_COMPONENTS = "#/components/schemas/{model}"
_ID_PATTERN = "^[A-Za-z0-9_.:@-]{1,128}$"
_INSTANT = {"format": "date-time"}
# What the TypedDicts cannot say without importing pydantic where the handlers parse requests.
_REFINEMENTS: dict[tuple[str, str], dict[str, Any]] = {
    ("ReserveBody", "redemptionId"): {"pattern": _ID_PATTERN},
    ("ReserveBody", "points"): {"minimum": 1},
    ("RedemptionHeldBody", "holdExpiresAt"): _INSTANT,
    ("ExpiringPointsBody", "expiresAt"): _INSTANT,
}


def _schemas() -> dict[str, Any]:
    from pydantic import TypeAdapter

    schemas: dict[str, Any] = {}
    for body in _SCHEMAS:
        schema = TypeAdapter(body).json_schema(ref_template=_COMPONENTS)
        schemas.update(schema.pop("$defs", {}))
        schemas[body.__name__] = schema
    for (name, field), refinement in _REFINEMENTS.items():
        schemas[name]["properties"][field].update(refinement)
    # A reserve names its fields exactly (a misspelt field is refused, not ignored).
    schemas["ReserveBody"]["additionalProperties"] = False
    return schemas


def _content(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _COMPONENTS.format(model=schema)}}}


def _answer(description: str, schema: str = "ErrorBody") -> dict[str, Any]:
    return {"description": description, "content": _content(schema)}


_CALLER = {
    "400": _answer("An invalid id or body; `field` names it."),
    "401": _answer("No caller identity in the token."),
    "403": _answer("Another customer's id, and the caller is not in the admin group."),
}
_UNAVAILABLE = _answer(
    "The customer's aggregate predates lots (an operator runs `loyalty backfill`), or kept "
    "changing through every attempt: retry the same request later, it is idempotent."
)


def _path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description + " 1-128 letters, digits and `- _ . : @`.",
        "schema": {"type": "string", "pattern": _ID_PATTERN},
    }


_CUSTOMER = _path_parameter("customerId", "The customer: the caller's own `sub`, or any as admin.")
_REDEMPTION = _path_parameter("redemptionId", "The client's id of the redemption.")


def _paths() -> dict[str, Any]:
    base = "/loyalty/{customerId}"
    return {
        base: {
            "get": {
                "operationId": "getPoints",
                "summary": "Spendable points, tier, held points, arrears and the next expiring lots.",
                "parameters": [_CUSTOMER],
                "responses": {
                    "200": _answer("The customer's points (an unknown one has 0).", "PointsBody"),
                    **_CALLER,
                },
            }
        },
        f"{base}/redemptions": {
            "post": {
                "operationId": "reserve",
                "summary": "Hold points, first-expiring-first-out, until committed or timed out.",
                "parameters": [_CUSTOMER],
                "requestBody": {"required": True, "content": _content("ReserveBody")},
                "responses": {
                    "201": _answer(
                        "The hold (a repeat of the same request answers the same redemption).",
                        "RedemptionHeldBody",
                    ),
                    **_CALLER,
                    "409": _answer(
                        "Fewer spendable points than asked, or the redemption id was used with "
                        "different points.",
                        "ConflictBody",
                    ),
                    "503": _UNAVAILABLE,
                },
            }
        },
        f"{base}/redemptions/{{redemptionId}}/commit": {
            "post": {
                "operationId": "commit",
                "summary": "Spend a held redemption (again: the same answer).",
                "parameters": [_CUSTOMER, _REDEMPTION],
                "responses": {
                    "200": _answer("Committed.", "RedemptionStatusBody"),
                    **_CALLER,
                    "404": _answer("The customer has no such redemption."),
                    "409": _answer("The redemption was cancelled, or its hold timed out."),
                    "503": _UNAVAILABLE,
                },
            }
        },
        f"{base}/redemptions/{{redemptionId}}/cancel": {
            "post": {
                "operationId": "cancel",
                "summary": "Release a hold, or refund a committed redemption into its lots.",
                "parameters": [_CUSTOMER, _REDEMPTION],
                "responses": {
                    "200": _answer("Cancelled.", "RedemptionStatusBody"),
                    **_CALLER,
                    "404": _answer("The customer has no such redemption."),
                    "503": _UNAVAILABLE,
                },
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the HTTP API (every route, body and status), as JSON data.

    Returns
    -------
    dict
        The document; ``json.dumps`` it to publish it.
    """
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "loyalty-ledger HTTP API",
            "version": __version__,
            "description": (
                "Every route acts on one customer: the caller's own id (the token's `sub`), or "
                "any id for members of the admin group. Instants are ISO 8601 UTC strings."
            ),
        },
        "security": [{"cognito": []}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "cognito": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "An ID token of the Cognito user pool the API trusts.",
                }
            },
        },
    }
