"""Lambda event filtering (the subset of the EventBridge pattern syntax the template uses)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["EventFilter", "UnsupportedPatternError"]

_OPERATORS = frozenset({"prefix", "exists"})


class UnsupportedPatternError(ValueError):
    """The filter pattern uses an operator the sandbox does not evaluate."""


def _check(pattern: Any, path: str) -> None:
    if isinstance(pattern, dict):
        for key, value in pattern.items():
            _check(value, f"{path}.{key}")
        return
    if not isinstance(pattern, list):
        raise UnsupportedPatternError(f"{path}: a leaf must be a list of values (got {pattern!r})")
    for condition in pattern:
        if isinstance(condition, dict):
            unknown = set(condition) - _OPERATORS
            if unknown or len(condition) != 1:
                raise UnsupportedPatternError(f"{path}: unsupported filter operator {condition!r}")


def _leaf_matches(conditions: list[Any], value: Any, present: bool) -> bool:
    for condition in conditions:
        if isinstance(condition, dict):
            if "exists" in condition and bool(condition["exists"]) == present:
                return True
            prefix = condition.get("prefix")
            if isinstance(prefix, str) and isinstance(value, str) and value.startswith(prefix):
                return True
        elif present and condition == value:
            return True
    return False


def _matches(pattern: Mapping[str, Any], data: Any) -> bool:
    for key, expected in pattern.items():
        present = isinstance(data, dict) and key in data
        value = data[key] if present else None
        if isinstance(expected, dict):
            if not isinstance(value, dict) or not _matches(expected, value):
                return False
        elif not _leaf_matches(expected, value, present):
            return False
    return True


class EventFilter:
    """Lambda's ``FilterCriteria``: a record passes if any pattern matches it (none: all pass).

    Parameters
    ----------
    patterns
        The parsed ``Pattern`` documents. Supported: nested fields, exact values, ``prefix`` and
        ``exists``; anything else raises :class:`UnsupportedPatternError` here rather than filtering
        differently from Lambda.
    """

    def __init__(self, patterns: Sequence[Mapping[str, Any]]) -> None:
        for pattern in patterns:
            _check(dict(pattern), "Pattern")
        self._patterns = tuple(patterns)

    def __call__(self, record: Mapping[str, Any]) -> bool:
        """Whether Lambda would deliver ``record``."""
        return not self._patterns or any(_matches(p, record) for p in self._patterns)
