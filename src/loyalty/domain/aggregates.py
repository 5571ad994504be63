"""Aggregates: a customer's points and tier, folded exactly once from ledger changes.

The delta rule (docs/architecture.md): every change to a transaction item contributes
``value(new) - value(old)``, where ``value`` is :attr:`Transaction.value` (0 for a missing image).
It covers insert, revoke, reinstate, points change, TTL expiry and manual deletion alike.

Exactly-once (decision 0003): each aggregate remembers the highest stream sequence number it has
applied; a change at or below it is a redelivery and is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loyalty.domain.tiers import DEFAULT_TIER_POLICY, Tier, TierPolicy

__all__ = [
    "CustomerAggregate",
    "CustomerSummary",
    "FoldResult",
    "LedgerChange",
    "fold_changes",
    "proves_applied_history",
    "reconciled",
]


@dataclass(frozen=True, slots=True)
class LedgerChange:
    """One stream record of a transaction item, reduced to what aggregation needs."""

    customer_id: str
    sequence_number: str
    delta: int
    expired: bool = False
    item_key: str = ""
    """The transaction's sort key (``BOOKING#...``)."""
    had_old_image: bool = False
    """A MODIFY or REMOVE: the item existed before, so its INSERT came earlier on the shard."""

    @property
    def position(self) -> int:
        """The sequence number as an integer (sequence numbers are decimal strings, 21-40 digits)."""
        return int(self.sequence_number)


@dataclass(frozen=True, slots=True)
class CustomerAggregate:
    """The stored aggregate of one customer.

    ``applied_sequence`` is the high-water mark of applied stream records; ``version`` increases
    on every write and is what concurrent writers condition on.
    """

    customer_id: str
    points: int
    tier: Tier
    applied_sequence: str | None = None
    version: int = 0
    updated_at: str | None = None

    @property
    def applied_position(self) -> int:
        """The high-water mark as an integer (-1 when nothing has been applied)."""
        return -1 if self.applied_sequence is None else int(self.applied_sequence)


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """What a reader sees: points, tier and points still needed for the next tier."""

    customer_id: str
    points: int
    tier: Tier
    remaining_points: int

    @classmethod
    def of(
        cls, customer_id: str, points: int, tiers: TierPolicy = DEFAULT_TIER_POLICY
    ) -> CustomerSummary:
        """Summarise a balance under ``tiers``."""
        return cls(customer_id, points, tiers.tier_of(points), tiers.remaining_points(points))

    def as_response(self) -> dict[str, Any]:
        """The read API's body: ``{"points", "level", "remainingPoints"}``."""
        return {
            "points": self.points,
            "level": self.tier.value,
            "remainingPoints": self.remaining_points,
        }


@dataclass(frozen=True, slots=True)
class FoldResult:
    """The aggregate after applying a customer's changes, and what was applied."""

    aggregate: CustomerAggregate
    applied: int
    skipped: int
    clamped: bool


def fold_changes(
    current: CustomerAggregate | None,
    customer_id: str,
    changes: list[LedgerChange],
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    updated_at: str,
) -> FoldResult | None:
    """Apply the changes above ``current``'s high-water mark, in sequence order.

    Returns None when every change was already applied (nothing to write). A balance that would
    go negative — only possible if stream records were lost before reaching the aggregator — is
    clamped to 0 and flagged so the caller can report it.
    """
    floor = -1 if current is None else current.applied_position
    ordered = sorted(changes, key=lambda change: change.position)
    fresh = [change for change in ordered if change.position > floor]
    if not fresh:
        return None
    raw = (0 if current is None else current.points) + sum(change.delta for change in fresh)
    points = max(raw, 0)
    return FoldResult(
        aggregate=CustomerAggregate(
            customer_id=customer_id,
            points=points,
            tier=tiers.tier_of(points),
            applied_sequence=fresh[-1].sequence_number,
            version=(0 if current is None else current.version) + 1,
            updated_at=updated_at,
        ),
        applied=len(fresh),
        skipped=len(ordered) - len(fresh),
        clamped=raw < 0,
    )


def proves_applied_history(changes: list[LedgerChange]) -> bool:
    """Whether these changes show that earlier changes of the customer were already applied.

    A change to an item that existed before (a MODIFY or REMOVE) follows that item's INSERT on the
    same shard; unless the INSERT is among ``changes`` it was applied by an earlier batch, so the
    customer must have an aggregate. Provable from the records alone, without a read.
    """
    inserted: set[str] = set()
    for change in sorted(changes, key=lambda change: change.position):
        if change.had_old_image and change.item_key not in inserted:
            return True
        inserted.add(change.item_key)
    return False


def reconciled(
    customer_id: str,
    points: int,
    expected: CustomerAggregate | None,
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    updated_at: str,
) -> CustomerAggregate:
    """The aggregate an operator's correction writes: ``points`` over ``expected``.

    It keeps the high-water mark, so the aggregator's exactly-once bookkeeping is untouched, and
    bumps the version, so a concurrent aggregator write conflicts instead of being overwritten.
    """
    if points < 0:
        raise ValueError(f"points must not be negative (got {points})")
    return CustomerAggregate(
        customer_id=customer_id,
        points=points,
        tier=tiers.tier_of(points),
        applied_sequence=None if expected is None else expected.applied_sequence,
        version=(0 if expected is None else expected.version) + 1,
        updated_at=updated_at,
    )
