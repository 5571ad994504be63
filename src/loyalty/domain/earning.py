"""Earn rules: how many points a payment earns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["EarnRule", "PointsPerMinorUnit", "default_earn_rule"]

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
