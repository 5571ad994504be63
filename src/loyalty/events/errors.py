"""Validation errors that name the offending field."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FieldError", "InvalidBookingMessage"]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason a message was rejected: the field (dotted JSON path) and what is wrong with it."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class InvalidBookingMessage(ValueError):  # noqa: N818 - reads as a sentence where it is raised
    """A booking message that cannot be processed; retrying it will not help."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(error) for error in errors))

    @classmethod
    def single(cls, field: str, reason: str) -> InvalidBookingMessage:
        """Build the error for one field."""
        return cls([FieldError(field, reason)])
