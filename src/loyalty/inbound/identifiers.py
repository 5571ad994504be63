"""Customer and booking ids: what is valid, checked the same way by every parser."""

from __future__ import annotations

import string

from loyalty.errors import InvalidIdentifier

__all__ = ["MAX_ID_LENGTH", "require_identifier", "validate_identifier"]

MAX_ID_LENGTH = 128
_ID_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_.:@")


def _describe_character(character: str) -> str:
    return repr(character) if character.isprintable() else f"U+{ord(character):04X}"


def validate_identifier(value: object) -> str:
    """Return ``value`` if it is a valid customer or booking id, else raise with the reason.

    Ids are 1-128 characters of letters, digits and ``- _ . : @``: safe inside a DynamoDB key
    (no ``#``), in a URL path and in a log line.

    Raises
    ------
    InvalidIdentifier
        Saying what is wrong, e.g. ``contains '#' at position 3; allowed are ...``.
    """
    if not isinstance(value, str):
        raise InvalidIdentifier("must be a string")
    if not value:
        raise InvalidIdentifier("must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidIdentifier(f"must be at most {MAX_ID_LENGTH} characters (got {len(value)})")
    for position, character in enumerate(value):
        if character not in _ID_CHARACTERS:
            kind = "a character" if character.isprintable() else "a non-printable character"
            raise InvalidIdentifier(
                f"contains {kind} {_describe_character(character)} at position {position}; "
                "allowed are letters, digits and - _ . : @"
            )
    return value


def require_identifier(name: str, value: str) -> str:
    """Return ``value`` if it is a valid id, else raise naming it: ``customer id 'a b': ...``.

    Raises
    ------
    InvalidIdentifier
        With ``name`` and the value in front of the reason.
    """
    try:
        return validate_identifier(value)
    except InvalidIdentifier as error:
        raise InvalidIdentifier(f"{name} {value!r}: {error}") from None
