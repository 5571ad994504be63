"""Builders of the real event shapes the handlers receive (shared by every test level).

The generic ones are the library's (``loyalty.testing``), so the tests, the benchmarks and the
sandbox all use the same shapes; the ones here carry this suite's fixed clock and API events.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from loyalty.domain.transactions import Transaction, TransactionStatus
from loyalty.testing import (
    LambdaContext,
    booking_body,
    sqs_event,
    sqs_record,
    stream_record,
    transaction_image,
)

__all__ = [
    "FIXED_NOW",
    "LambdaContext",
    "active_transaction",
    "api_event",
    "booking_body",
    "fixed_clock",
    "http_api_event",
    "post_event",
    "sqs_event",
    "sqs_record",
    "stream_record",
    "transaction_image",
]

FIXED_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_NOW


def active_transaction(
    customer_id: str = "customer-1",
    booking_id: str = "booking-1",
    points: int = 100,
    *,
    expires_at: int = 2_000_000_000,
) -> Transaction:
    """An ACTIVE ledger transaction as ingest records it (id derived from the booking)."""
    return Transaction(
        transaction_id=f"ksuid-{booking_id}",
        customer_id=customer_id,
        booking_id=booking_id,
        points=points,
        status=TransactionStatus.ACTIVE,
        created_at="2026-11-01T10:00:00.000Z",
        expires_at=expires_at,
    )


def api_event(customer_id: str | None, *, sub: str | None, groups: Any = None) -> dict[str, Any]:
    """An API Gateway REST proxy event for GET /loyalty/{customerId} with Cognito claims."""
    claims: dict[str, Any] = {}
    if sub is not None:
        claims["sub"] = sub
    if groups is not None:
        claims["cognito:groups"] = groups
    return {
        "resource": "/loyalty/{customerId}",
        "path": f"/loyalty/{customer_id}",
        "httpMethod": "GET",
        "pathParameters": {"customerId": customer_id} if customer_id is not None else None,
        "requestContext": {"authorizer": {"claims": claims}} if claims else {},
    }


def http_api_event(
    customer_id: str | None, *, sub: str | None, groups: Any = None
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event with JWT-authorizer claims, as strings."""
    claims: dict[str, Any] = {}
    if sub is not None:
        claims["sub"] = sub
    if groups is not None:
        claims["cognito:groups"] = groups
    return {
        "version": "2.0",
        "routeKey": "GET /loyalty/{customerId}",
        "rawPath": f"/loyalty/{customer_id}",
        "pathParameters": {"customerId": customer_id} if customer_id is not None else None,
        "requestContext": {
            "http": {"method": "GET", "path": f"/loyalty/{customer_id}"},
            "authorizer": {"jwt": {"claims": claims, "scopes": None}} if claims else {},
        },
    }


def post_event(
    resource: str,
    path_parameters: dict[str, str] | None,
    body: Any,
    *,
    sub: str | None,
    groups: Any = None,
    http_api: bool = False,
) -> dict[str, Any]:
    """A POST proxy event for ``resource`` (a route template), REST (1.0) or HTTP API (2.0).

    ``body`` is sent as JSON unless it is a string (sent as is) or None (no body).
    """
    path = resource
    for name, value in (path_parameters or {}).items():
        path = path.replace(f"{{{name}}}", value)
    raw_body = body if isinstance(body, str) or body is None else json.dumps(body)
    claims: dict[str, Any] = {}
    if sub is not None:
        claims["sub"] = sub
    if groups is not None:
        claims["cognito:groups"] = groups
    if http_api:
        return {
            "version": "2.0",
            "routeKey": f"POST {resource}",
            "rawPath": path,
            "pathParameters": path_parameters,
            "body": raw_body,
            "isBase64Encoded": False,
            "requestContext": {
                "http": {"method": "POST", "path": path},
                "authorizer": {"jwt": {"claims": claims, "scopes": None}} if claims else {},
            },
        }
    return {
        "resource": resource,
        "path": path,
        "httpMethod": "POST",
        "pathParameters": path_parameters,
        "body": raw_body,
        "isBase64Encoded": False,
        "requestContext": {"authorizer": {"claims": claims}} if claims else {},
    }
