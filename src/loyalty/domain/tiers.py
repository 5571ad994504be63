"""Tier policy: which tier a points balance earns and how far the next tier is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["DEFAULT_TIER_POLICY", "Tier", "TierPolicy", "remaining_points", "tier_of"]


class Tier(StrEnum):
    """Loyalty tiers, lowest first."""

    BRONZE = "BRONZE"
    SILVER = "SILVER"
    GOLD = "GOLD"

    @property
    def rank(self) -> int:
        """0 for BRONZE, one more for each tier above it."""
        return list(Tier).index(self)


@dataclass(frozen=True, slots=True)
class TierPolicy:
    """Points thresholds at which a customer enters SILVER and GOLD.

    Parameters
    ----------
    silver
        Lowest balance that earns SILVER (default 50 000).
    gold
        Lowest balance that earns GOLD (default 100 000).
    """

    silver: int = 50_000
    gold: int = 100_000

    def __post_init__(self) -> None:
        if not 0 < self.silver < self.gold:
            raise ValueError(
                f"tier thresholds must satisfy 0 < silver < gold (got silver={self.silver}, "
                f"gold={self.gold})"
            )

    def tier_of(self, points: int) -> Tier:
        """Return the tier a balance of ``points`` earns."""
        if points >= self.gold:
            return Tier.GOLD
        if points >= self.silver:
            return Tier.SILVER
        return Tier.BRONZE

    def remaining_points(self, points: int) -> int:
        """Return the points still needed for the next tier (0 at the top tier)."""
        if points >= self.gold:
            return 0
        if points >= self.silver:
            return self.gold - points
        return self.silver - max(points, 0)

    def progress(self, points: int) -> tuple[Tier | None, int, int]:
        """The next tier and the way to it: ``(next, done, span)``; ``(None, 1, 1)`` at the top."""
        if points >= self.gold:
            return None, 1, 1
        if points >= self.silver:
            return Tier.GOLD, points - self.silver, self.gold - self.silver
        return Tier.SILVER, max(points, 0), self.silver


DEFAULT_TIER_POLICY = TierPolicy()


def tier_of(points: int, policy: TierPolicy = DEFAULT_TIER_POLICY) -> Tier:
    """Return the tier ``points`` earns under ``policy`` (default thresholds if omitted)."""
    return policy.tier_of(points)


def remaining_points(points: int, policy: TierPolicy = DEFAULT_TIER_POLICY) -> int:
    """Return the points still needed for the next tier under ``policy``."""
    return policy.remaining_points(points)
