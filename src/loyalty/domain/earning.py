"""Earn rules: how many points a payment earns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from loyalty.errors import InvalidEarnRule

__all__ = [
    "EarnRule",
    "PointsPerMinorUnit",
    "default_earn_rule",
    "earned_points",
]

EarnRule = Callable[[int], int]
"""A function from a payment amount (integer minor units) to points (int >= 0)."""


@dataclass(frozen=True, slots=True)
class PointsPerMinorUnit:
    """Earn ``floor(amount × rate)`` points, computed in integers so no float rounding creeps in.

    Parameters
    ----------
    numerator, denominator
        The rate as a fraction; the default 1/1 earns one point per minor unit.
    """

    numerator: int = 1
    denominator: int = 1

    def __post_init__(self) -> None:
        if self.numerator < 0 or self.denominator <= 0:
            raise ValueError(
                "earn rate must be a non-negative fraction with a positive denominator"
            )

    def __call__(self, amount: int) -> int:
        return (amount * self.numerator) // self.denominator


default_earn_rule: EarnRule = PointsPerMinorUnit()


def earned_points(rule: EarnRule, amount: int) -> int:
    """Apply ``rule`` to ``amount`` and check its result before anything is stored.

    A float would be stored as a DynamoDB number like ``10.0`` that no reader can take for
    points, and a bool is an int to Python but never a number of points.

    Raises
    ------
    InvalidEarnRule
        Naming the rule's result and the amount, e.g. ``returned 123.45 (float)``.
    """
    points: object = rule(amount)
    if isinstance(points, int) and not isinstance(points, bool):
        if points >= 0:
            return points
        shown = repr(points)
    else:
        shown = f"{points!r} ({type(points).__name__})"
    raise InvalidEarnRule(
        f"the earn rule returned {shown} for amount {amount}; it must return an int >= 0"
    )
