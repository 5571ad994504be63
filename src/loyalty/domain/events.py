"""Domain events other services subscribe to: what changed, decided from two aggregate states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from loyalty.domain.tiers import Tier

if TYPE_CHECKING:
    from loyalty.domain.aggregates import CustomerAggregate

__all__ = ["TierChanged", "tier_change"]


@dataclass(frozen=True, slots=True)
class TierChanged:
    """One aggregate write changed a customer's stored tier.

    ``event_id`` is the customer and the aggregate version the write produced: the same change
    always has the same id (a redelivered stream record publishes it again, with that id), and
    different changes never share one, so subscribers de-duplicate on it.
    """

    event_id: str
    customer_id: str
    from_tier: Tier
    to_tier: Tier
    qualifying_points: int
    occurred_at: str
    """When the aggregate was written (ISO 8601 UTC)."""


def tier_change(
    before: CustomerAggregate | None, after: CustomerAggregate, *, occurred_at: str
) -> TierChanged | None:
    """The event of one aggregate write made at ``occurred_at``, or None if it left the stored
    tier as it was.

    A customer without an aggregate is BRONZE (that is what a read answers), so a first write
    that stores BRONZE is no change, and one that stores SILVER or GOLD is a change from BRONZE.
    """
    previous = Tier.BRONZE if before is None else before.tier
    if after.tier is previous:
        return None
    return TierChanged(
        event_id=f"{after.customer_id}/v{after.version}",
        customer_id=after.customer_id,
        from_tier=previous,
        to_tier=after.tier,
        qualifying_points=after.qualifying_points,
        occurred_at=occurred_at,
    )
