"""Every error the library raises, under one base class: catch :class:`LoyaltyError` for all.

Errors about input (a message, a stream record, an id, a setting) are also ``ValueError``s and
name what is wrong; errors about storage carry what was stored, so a caller can act without
another read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from pydantic import ValidationError

    from loyalty.domain.aggregates import CustomerAggregate

__all__ = [
    "AggregateConflict",
    "AggregateNotReady",
    "AggregateWriteRefused",
    "AmbiguousSourceQueue",
    "ConfigurationError",
    "FieldError",
    "HoldExpired",
    "IngestInterrupted",
    "InsufficientPoints",
    "InvalidBookingMessage",
    "InvalidEarnRule",
    "InvalidEventMessage",
    "InvalidIdentifier",
    "InvalidMessage",
    "InvalidStreamRecord",
    "LoyaltyError",
    "NotAnSqsEvent",
    "RedemptionCancelled",
    "RedemptionConflict",
    "RedemptionNotFound",
    "RedemptionWriteConflict",
    "RetriesExhausted",
    "TransactionNotFound",
    "UnreadableItem",
]


class LoyaltyError(Exception):
    """Base class of every error the library raises on purpose."""


class ConfigurationError(LoyaltyError, ValueError):
    """A required setting is missing or a setting is invalid; the message names the variable."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason a message was rejected: the field (dotted JSON path) and what is wrong with it."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class InvalidMessage(LoyaltyError, ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """A message that cannot be processed, with every field that is wrong; retrying will not help."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(error) for error in errors))

    @classmethod
    def single(cls, field: str, reason: str) -> Self:
        """Build the error for one field."""
        return cls([FieldError(field, reason)])

    @classmethod
    def of_validation(cls, error: ValidationError) -> Self:
        """Build the error from a pydantic validation error: one field error per problem."""
        return cls(
            [
                FieldError(".".join(str(part) for part in detail["loc"]) or "body", detail["msg"])
                for detail in error.errors(include_url=False)
            ]
        )


class InvalidBookingMessage(InvalidMessage):
    """A booking message (SQS record, SNS envelope, JSON line) that ingest refuses."""


class InvalidEventMessage(InvalidMessage):
    """A received event message (``TierChanged``) that does not have the published shape."""


class InvalidIdentifier(LoyaltyError, ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """An id that is not 1-128 characters of letters, digits and ``- _ . : @``."""


class InvalidStreamRecord(LoyaltyError, ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """A stream record of a transaction item that cannot be aggregated."""


class UnreadableItem(LoyaltyError, ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """A stored item that cannot be decoded; the message names its key and the attribute."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


class InvalidEarnRule(LoyaltyError, ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """An earn rule returned something other than an int >= 0 (a float, a bool, None...)."""


class NotAnSqsEvent(LoyaltyError, ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """The Lambda event is not a batch from an SQS queue: the function is wired wrongly.

    Raised rather than answered: a partial-batch response names SQS message ids, and for any other
    event source Lambda would ignore it and the messages would be lost without a trace.
    """


class AggregateConflict(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """The aggregate changed since it was read; ``current`` is what is stored now (or None)."""

    def __init__(self, customer_id: str, current: CustomerAggregate | None) -> None:
        self.customer_id = customer_id
        self.current = current
        super().__init__(f"aggregate of {customer_id} changed concurrently")


class AggregateWriteRefused(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """DynamoDB refused a customer's statement of a grouped aggregate write, not as a conflict.

    ``code`` and ``message`` are the statement's error as DynamoDB reported it (for example
    ``ValidationError`` or ``AccessDenied``): a retry of the same write would be refused again.
    """

    def __init__(self, customer_id: str, code: str, message: str) -> None:
        self.customer_id = customer_id
        self.code = code
        self.message = message
        super().__init__(f"aggregate write of {customer_id} refused: {code}: {message}")


class RetriesExhausted(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """A request kept being refused (conflicts, unprocessed keys) through every retry.

    Transient by nature: the caller reports the work as failed so that it is retried later.
    """


class TransactionNotFound(LoyaltyError, LookupError):  # noqa: N818 - reads as a sentence where it is raised
    """The booking has no transaction in the ledger."""

    def __init__(self, customer_id: str, booking_id: str) -> None:
        self.customer_id = customer_id
        self.booking_id = booking_id
        super().__init__(f"no transaction for booking {booking_id!r} of customer {customer_id!r}")


class AmbiguousSourceQueue(LoyaltyError, ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """A dead-letter queue without exactly one source queue: the queue to re-queue into is unknown."""

    def __init__(self, dlq_url: str, sources: list[str]) -> None:
        self.dlq_url = dlq_url
        self.sources = tuple(sources)
        found = ", ".join(sources) or "none"
        super().__init__(
            f"cannot tell which queue to re-queue into (source queues of the DLQ: {found})"
        )


class IngestInterrupted(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """A bulk ingest stopped at a failing write (the cause); ``written`` of ``total`` were written.

    Re-running the same input is safe: ingest is idempotent.
    """

    def __init__(self, written: int, total: int) -> None:
        self.written = written
        self.total = total
        super().__init__(f"stopped after {written} of {total} writes")


class InsufficientPoints(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """A reserve asked for more than the customer can spend; ``available`` is what they can."""

    def __init__(self, customer_id: str, requested: int, available: int) -> None:
        self.customer_id = customer_id
        self.requested = requested
        self.available = available
        super().__init__(f"customer {customer_id!r} can spend {available} points, not {requested}")


class RedemptionConflict(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """The redemption id was already used with different points (``recorded``).

    ``available`` is what the customer can spend now, for the caller to choose a new request.
    """

    def __init__(self, customer_id: str, redemption_id: str, recorded: int, available: int) -> None:
        self.customer_id = customer_id
        self.redemption_id = redemption_id
        self.recorded = recorded
        self.available = available
        super().__init__(
            f"redemption {redemption_id!r} of customer {customer_id!r} was made for "
            f"{recorded} points"
        )


class RedemptionNotFound(LoyaltyError, LookupError):  # noqa: N818 - reads as a sentence where it is raised
    """The customer has no redemption with this id."""

    def __init__(self, customer_id: str, redemption_id: str) -> None:
        self.customer_id = customer_id
        self.redemption_id = redemption_id
        super().__init__(f"no redemption {redemption_id!r} of customer {customer_id!r}")


class HoldExpired(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """The redemption's hold timed out before the commit: its points were released."""

    def __init__(self, customer_id: str, redemption_id: str) -> None:
        self.customer_id = customer_id
        self.redemption_id = redemption_id
        super().__init__(
            f"the hold of redemption {redemption_id!r} of customer {customer_id!r} timed out"
        )


class RedemptionCancelled(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """The redemption was cancelled: it can no longer be committed."""

    def __init__(self, customer_id: str, redemption_id: str) -> None:
        self.customer_id = customer_id
        self.redemption_id = redemption_id
        super().__init__(f"redemption {redemption_id!r} of customer {customer_id!r} was cancelled")


class AggregateNotReady(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """The customer's aggregate is missing or predates lots: ``loyalty backfill`` rebuilds it."""

    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        super().__init__(
            f"the aggregate of customer {customer_id!r} is missing or has no lots; "
            f"run `loyalty backfill --customer {customer_id}`"
        )


class RedemptionWriteConflict(LoyaltyError):  # noqa: N818 - reads as a sentence where it is raised
    """The redemption or the aggregate changed since they were read: the transaction was
    cancelled and nothing was written. Retried inside the redemption services."""

    def __init__(self, customer_id: str, redemption_id: str) -> None:
        self.customer_id = customer_id
        self.redemption_id = redemption_id
        super().__init__(
            f"redemption {redemption_id!r} or the aggregate of {customer_id!r} changed concurrently"
        )
