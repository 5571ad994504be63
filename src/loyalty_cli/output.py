"""Formatting shared by the commands: durations, transactions as rows and as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

    from loyalty.domain.transactions import Transaction

__all__ = ["format_duration", "lot_of", "time_left", "transaction_json", "transactions_table"]

_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def format_duration(seconds: int) -> str:
    """Format a non-negative duration with its two largest units: ``1d 4h``, ``5m 3s``."""
    parts: list[str] = []
    remaining = max(seconds, 0)
    for unit, size in _UNITS:
        amount, remaining = divmod(remaining, size)
        if amount or (unit == "s" and not parts):
            parts.append(f"{amount}{unit}")
        if len(parts) == 2:
            break
    return " ".join(parts)


def lot_of(expires_at: int) -> str:
    """The lot a transaction's points sit in: its expiry instant, ISO 8601 UTC."""
    from datetime import UTC, datetime

    from loyalty.domain.clock import format_timestamp

    return format_timestamp(datetime.fromtimestamp(expires_at, UTC))


def time_left(expires_at: int, now: float) -> str:
    """How long until an expiry, or how long ago it passed."""
    seconds = int(expires_at - now)
    if seconds > 0:
        return f"in {format_duration(seconds)}"
    return f"due {format_duration(-seconds)} ago"


def transaction_json(transaction: Transaction, now: float) -> dict[str, Any]:
    """A transaction as a JSON object, with its lot and the seconds left before it expires."""
    return {
        "transactionId": transaction.transaction_id,
        "customerId": transaction.customer_id,
        "bookingId": transaction.booking_id,
        "points": transaction.points,
        "status": transaction.status.value,
        "createdAt": transaction.created_at,
        "expiresAt": transaction.expires_at,
        "lot": lot_of(transaction.expires_at),
        "secondsLeft": int(transaction.expires_at - now),
        "fake": transaction.fake,
        "revokedAt": transaction.revoked_at,
        "correlationId": transaction.correlation_id,
    }


def transactions_table(transactions: list[Transaction], now: float, *, title: str) -> Table:
    """A Rich table of transactions in the given order."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("created (UTC)")
    table.add_column("booking", overflow="fold")
    table.add_column("points", justify="right")
    table.add_column("status")
    table.add_column("lot (UTC)")
    table.add_column("expires")
    for transaction in transactions:
        status = transaction.status.value + (" (fake)" if transaction.fake else "")
        table.add_row(
            transaction.created_at,
            transaction.booking_id,
            f"{transaction.points:,}",
            status,
            lot_of(transaction.expires_at),
            time_left(transaction.expires_at, now),
        )
    return table
