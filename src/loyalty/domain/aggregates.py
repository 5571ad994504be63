"""Aggregates: a customer's points in lots, folded exactly once from ledger changes, read at an instant.

Lots (decision 0007): a transaction's points sit in the lot of its expiry instant; the aggregate
keeps per lot the points earned (ACTIVE points, what qualifies for the tier) and the points
remaining (what can be spent). A read at instant t counts only lots expiring after t, so expiry
is punctual whether or not DynamoDB's TTL has removed the transactions yet.

The delta rule (docs/architecture.md), per lot: every change to a transaction item contributes
``-value(old)`` to the lot of the old image's expiry and ``+value(new)`` to the lot of the new
image's, where ``value`` is :attr:`Transaction.value` (0 for a missing image). A contribution to a
lot that has expired when it is applied changes nothing: those points no longer count anyway.

Exactly-once (decision 0003): each aggregate remembers the highest stream sequence number it has
applied; a change at or below it is a redelivery and is skipped.

Redemption (decision 0013): a lot's ``remaining`` is what is neither spent nor held; the points of
a hold sit in the hold, with the lots they came from. A hold that times out is released at its
instant, at read time (:meth:`CustomerAggregate.settled`); points that come back to the customer
(earnings, released holds, refunds) repay ``arrears`` first, and a revocation of points already
spent or held takes them from the other lots, first-expiring-first, and leaves the rest as arrears.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from loyalty.domain.clock import format_timestamp, parse_timestamp
from loyalty.domain.tiers import DEFAULT_TIER_POLICY, Tier, TierPolicy

if TYPE_CHECKING:
    from collections.abc import Iterable

    from loyalty.domain.redemptions import Redemption
    from loyalty.domain.transactions import Transaction

__all__ = [
    "EXPIRING_LOTS_SHOWN",
    "STREAM_SETTLED_AFTER",
    "CustomerAggregate",
    "CustomerSummary",
    "FoldResult",
    "Hold",
    "LedgerChange",
    "LedgerImage",
    "Lot",
    "allocate_first_expiring",
    "fold_changes",
    "lots_of",
    "proves_applied_history",
    "reconciled",
    "unapplied_changes",
]

EXPIRING_LOTS_SHOWN = 3
"""How many of the next expiring lots a summary lists."""

STREAM_SETTLED_AFTER = timedelta(hours=24, minutes=15)
"""After this long, a ledger change's stream record has been processed or trimmed: DynamoDB
Streams keep records 24 hours, and a ledger write lands at most one ingest timeout (30 s, well
under the 15 minutes allowed) after the time it carries."""


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class Lot:
    """The points of a customer that expire together, at ``expires_at`` (epoch seconds).

    ``earned`` is what ACTIVE transactions put in the lot (it sets the tier); ``remaining`` is
    what is left to spend (equal to ``earned`` until redemption spends from it).
    """

    expires_at: int
    earned: int
    remaining: int

    def counts_at(self, at: datetime) -> bool:
        """Whether the lot still counts at instant ``at``: its expiry is after ``at``."""
        return self.expires_at > _epoch(at)

    @property
    def expires_at_iso(self) -> str:
        """The expiry as an ISO 8601 UTC string."""
        return format_timestamp(datetime.fromtimestamp(self.expires_at, UTC))


def lots_of(transactions: Iterable[Transaction], at: datetime) -> tuple[Lot, ...]:
    """The lots that a set of ledger transactions makes at instant ``at``, earliest expiry first.

    Only ACTIVE points in lots expiring after ``at`` count; a lot with no points is left out.
    """
    now = _epoch(at)
    earned: dict[int, int] = {}
    for transaction in transactions:
        if transaction.expires_at > now and transaction.value:
            earned[transaction.expires_at] = (
                earned.get(transaction.expires_at, 0) + transaction.value
            )
    return tuple(Lot(expiry, points, points) for expiry, points in sorted(earned.items()))


@dataclass(frozen=True, slots=True)
class Hold:
    """Points held for a redemption until it is committed, cancelled or times out.

    ``allocation`` is where the points came from: ``(lot expiry, points)`` pairs, earliest expiry
    first. ``held_until`` (epoch seconds) is the instant the hold times out.
    """

    redemption_id: str
    points: int
    held_until: int
    allocation: tuple[tuple[int, int], ...]

    def active_at(self, at: datetime) -> bool:
        """Whether the hold still counts at instant ``at``: it times out at ``held_until``."""
        return self.held_until > _epoch(at)


def allocate_first_expiring(
    lots: Iterable[Lot], points: int, at: datetime
) -> tuple[tuple[int, int], ...]:
    """Take ``points`` from the remaining points of the lots counting at ``at``, earliest first.

    Raises
    ------
    ValueError
        If the lots hold fewer remaining points than ``points``.
    """
    wanted = points
    taken: list[tuple[int, int]] = []
    for lot in sorted(lots, key=lambda lot: lot.expires_at):
        if wanted == 0:
            break
        if lot.counts_at(at) and lot.remaining > 0:
            part = min(lot.remaining, wanted)
            taken.append((lot.expires_at, part))
            wanted -= part
    if wanted:
        raise ValueError(f"the lots hold {points - wanted} points, not {points}")
    return tuple(taken)


class _Book:
    """A mutable working copy of an aggregate's lots and arrears while changes are applied."""

    def __init__(self, lots: Iterable[Lot], arrears: int) -> None:
        self.lots = {lot.expires_at: lot for lot in lots}
        self.arrears = arrears
        self.clamped = False

    def _put(self, expiry: int, earned: int, remaining: int) -> None:
        self.lots[expiry] = Lot(expiry, earned, remaining)

    def _repay(self, points: int) -> int:
        """Repay arrears from ``points`` coming back; what is left over."""
        repaid = min(self.arrears, points)
        self.arrears -= repaid
        return points - repaid

    def give_back(self, allocation: Iterable[tuple[int, int]], after: float) -> None:
        """Return held or spent points to their lots, if those still count after ``after``."""
        for expiry, points in sorted(allocation):
            if expiry <= after:
                continue
            lot = self.lots.get(expiry, Lot(expiry, 0, 0))
            self._put(expiry, lot.earned, lot.remaining + self._repay(points))

    def earn(self, expiry: int, points: int) -> None:
        lot = self.lots.get(expiry, Lot(expiry, 0, 0))
        self._put(expiry, lot.earned + points, lot.remaining + self._repay(points))

    def revoke(self, expiry: int, points: int, now: float) -> None:
        """Take revoked points out of the lot's earned points and out of what is left to spend."""
        lot = self.lots.get(expiry, Lot(expiry, 0, 0))
        self.clamped = self.clamped or lot.earned < points
        self._put(expiry, max(lot.earned - points, 0), lot.remaining)
        self.take_out(expiry, points, now)

    def take_out(self, expiry: int, points: int, now: float) -> None:
        """Take ``points`` from the lot's remaining points, then from the other lots counting
        after ``now``, first-expiring-first; what is missing (already spent or held) is arrears."""
        lot = self.lots.get(expiry, Lot(expiry, 0, 0))
        own = min(lot.remaining, points)
        self._put(expiry, lot.earned, lot.remaining - own)
        missing = points - own
        for other in sorted(self.lots):
            if missing == 0:
                break
            current = self.lots[other]
            if other > now and current.remaining > 0:
                part = min(current.remaining, missing)
                self._put(other, current.earned, current.remaining - part)
                missing -= part
        self.arrears += missing

    def live_lots(self, now: float) -> tuple[Lot, ...]:
        """The lots still counting after ``now`` that hold anything, earliest first."""
        return tuple(
            lot
            for expiry, lot in sorted(self.lots.items())
            if expiry > now and (lot.earned or lot.remaining)
        )


@dataclass(frozen=True, slots=True)
class LedgerImage:
    """One side (old or new image) of a transaction's stream record, reduced to what counts."""

    expires_at: int
    value: int
    """:attr:`Transaction.value`: the points if ACTIVE, else 0."""
    changed_at: str | None = None
    """:attr:`Transaction.changed_at` of the image (None if the image lacks it)."""


@dataclass(frozen=True, slots=True)
class LedgerChange:
    """One stream record of a transaction item, reduced to what aggregation needs."""

    customer_id: str
    sequence_number: str
    old: LedgerImage | None
    new: LedgerImage | None
    ttl_removal: bool = False
    """The record is a deletion by DynamoDB's TTL service."""
    item_key: str = ""
    """The transaction's sort key (``BOOKING#...``)."""

    @property
    def position(self) -> int:
        """The sequence number as an integer (sequence numbers are decimal strings, 21-40 digits)."""
        return int(self.sequence_number)

    @property
    def delta(self) -> int:
        """``value(new) - value(old)``: the change to the customer's total, whatever the lots."""
        return (self.new.value if self.new else 0) - (self.old.value if self.old else 0)

    @property
    def had_old_image(self) -> bool:
        """A MODIFY or REMOVE: the item existed before, so its INSERT came earlier on the shard."""
        return self.old is not None

    @property
    def removal(self) -> bool:
        """The transaction left the ledger (a manual deletion or TTL)."""
        return self.new is None

    def lot_deltas(self) -> dict[int, int]:
        """The change to each lot: ``-value(old)`` to the old image's, ``+value(new)`` to the new's."""
        deltas: dict[int, int] = {}
        for image, sign in ((self.old, -1), (self.new, 1)):
            if image is not None and image.value:
                deltas[image.expires_at] = deltas.get(image.expires_at, 0) + sign * image.value
        return deltas

    @property
    def changed_at(self) -> str | None:
        """The newest ledger change time either image carries."""
        stamps = [image.changed_at for image in (self.old, self.new) if image and image.changed_at]
        return max(stamps, key=parse_timestamp) if stamps else None


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """What a reader sees at an instant.

    ``points`` is spendable, ``qualifying_points`` sets ``tier`` and ``remaining_points`` (points
    still needed for the next tier); ``expiring`` lists the next lots to expire.
    """

    customer_id: str
    points: int
    tier: Tier
    remaining_points: int
    qualifying_points: int
    held_points: int = 0
    arrears: int = 0
    expiring: tuple[Lot, ...] = ()

    @classmethod
    def empty(cls, customer_id: str, tiers: TierPolicy = DEFAULT_TIER_POLICY) -> CustomerSummary:
        """The summary of a customer without an aggregate: nothing earned, lowest tier."""
        return cls(customer_id, 0, tiers.tier_of(0), tiers.remaining_points(0), 0)

    def as_response(self) -> dict[str, Any]:
        """The read API's body (``points`` spendable; instants as ISO 8601 UTC strings)."""
        return {
            "points": self.points,
            "level": self.tier.value,
            "remainingPoints": self.remaining_points,
            "qualifyingPoints": self.qualifying_points,
            "heldPoints": self.held_points,
            "arrears": self.arrears,
            "expiring": [
                {"expiresAt": lot.expires_at_iso, "points": lot.remaining} for lot in self.expiring
            ],
        }


@dataclass(frozen=True, slots=True)
class CustomerAggregate:
    """The stored aggregate of one customer.

    ``lots`` (earliest expiry first) are the truth a read is computed from; ``points`` (spendable),
    ``qualifying_points`` and ``tier`` are as of ``updated_at``, the last write. An aggregate
    written before lots existed (v1) has ``lots`` None and only a balance, ``points``: it reads as
    it did in v1 until ``loyalty backfill`` rebuilds its lots (decision 0007).

    ``applied_sequence`` is the high-water mark of applied stream records and
    ``applied_change_at`` the newest ledger change time among them (what backfill proves against);
    ``version`` increases on every write and is what concurrent writers condition on.

    ``arrears`` are points revoked after they were spent, repaid first by points that come back.
    """

    customer_id: str
    points: int
    tier: Tier
    lots: tuple[Lot, ...] | None
    qualifying_points: int = 0
    arrears: int = 0
    holds: tuple[Hold, ...] = ()
    """Holds not yet committed or cancelled, in the order they were placed; one that has timed
    out still sits here until the next write, but no longer counts (see :meth:`settled`)."""
    applied_sequence: str | None = None
    applied_change_at: str | None = None
    version: int = 0
    updated_at: str | None = None

    @property
    def applied_position(self) -> int:
        """The high-water mark as an integer (-1 when nothing has been applied)."""
        return -1 if self.applied_sequence is None else int(self.applied_sequence)

    @property
    def has_lots(self) -> bool:
        """False for a v1 aggregate (a balance without lots), until backfill upgrades it."""
        return self.lots is not None

    def hold(self, redemption_id: str) -> Hold | None:
        """The hold of a redemption, or None (never held, committed, cancelled or released)."""
        return next((hold for hold in self.holds if hold.redemption_id == redemption_id), None)

    def settled(self, at: datetime) -> CustomerAggregate:
        """The aggregate as it stands at ``at``: holds timed out by then are released.

        A timed-out hold is released at its own instant, in the order the holds time out: its
        points repay arrears first, then go back to their lots if those still count at that
        instant (points of a lot that expired while held are gone). Lots expired at ``at`` are
        pruned. Nothing else changes, not even the version: this is what a read sees and what
        the next write starts from.
        """
        if self.lots is None:
            return self
        now = _epoch(at)
        book = _Book(self.lots, self.arrears)
        kept: list[Hold] = []
        for hold in sorted(self.holds, key=lambda hold: (hold.held_until, hold.redemption_id)):
            if hold.held_until > now:
                kept.append(hold)
            else:
                book.give_back(hold.allocation, after=hold.held_until)
        return replace(
            self,
            lots=book.live_lots(now),
            arrears=book.arrears,
            holds=tuple(hold for hold in self.holds if hold in kept),
        )

    def summary(self, at: datetime, tiers: TierPolicy = DEFAULT_TIER_POLICY) -> CustomerSummary:
        """What the customer has at instant ``at``: only lots expiring after ``at`` count.

        Spendable points are the unexpired lots' remaining points (held points are not in them),
        and 0 while arrears are outstanding; held points are those of the holds still active at
        ``at``; qualifying points are the unexpired lots' earned points, whatever was spent. A
        v1 aggregate reads as in v1: its balance is both, and it lists no lots.
        """
        if self.lots is None:
            return CustomerSummary(
                self.customer_id,
                self.points,
                tiers.tier_of(self.points),
                tiers.remaining_points(self.points),
                self.points,
            )
        settled = self.settled(at)
        live = settled.lots or ()
        qualifying = sum(lot.earned for lot in live)
        spendable = 0 if settled.arrears else sum(lot.remaining for lot in live)
        return CustomerSummary(
            self.customer_id,
            max(spendable, 0),
            tiers.tier_of(qualifying),
            tiers.remaining_points(qualifying),
            qualifying,
            held_points=sum(hold.points for hold in settled.holds),
            arrears=settled.arrears,
            expiring=tuple(lot for lot in live if lot.remaining > 0)[:EXPIRING_LOTS_SHOWN],
        )


@dataclass(frozen=True, slots=True)
class FoldResult:
    """The aggregate after applying a customer's changes, and what was applied."""

    aggregate: CustomerAggregate
    applied: int
    skipped: int
    clamped: bool
    expired: int
    """Removals of transactions whose lot had already expired: they changed nothing."""
    removed: int
    """Removals that took unexpired points out (a manual deletion, or TTL before the expiry)."""


def _newest(*stamps: str | None) -> str | None:
    present = [stamp for stamp in stamps if stamp]
    return max(present, key=parse_timestamp) if present else None


def _written(
    current: CustomerAggregate | None,
    *,
    customer_id: str,
    lots: tuple[Lot, ...] | None,
    points: int,
    tiers: TierPolicy,
    at: datetime,
    arrears: int = 0,
    holds: tuple[Hold, ...] = (),
    **bookkeeping: Any,
) -> CustomerAggregate:
    draft = CustomerAggregate(
        customer_id=customer_id,
        points=points,
        tier=Tier.BRONZE,
        lots=lots,
        arrears=arrears,
        holds=holds,
        version=(0 if current is None else current.version) + 1,
        updated_at=format_timestamp(at),
        **bookkeeping,
    )
    summary = draft.summary(at, tiers)
    return replace(
        draft,
        points=summary.points,
        qualifying_points=summary.qualifying_points,
        tier=summary.tier,
    )


def fold_changes(
    current: CustomerAggregate | None,
    customer_id: str,
    changes: list[LedgerChange],
    *,
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    at: datetime,
) -> FoldResult | None:
    """Apply the changes above ``current``'s high-water mark, in sequence order, at instant ``at``.

    Each change moves points into or out of the lots of its images' expiry; a contribution to a
    lot that has expired at ``at`` changes nothing, and lots that have expired are pruned. The
    stored tier and qualifying points are those at ``at``. A v1 aggregate (no lots) is folded as
    in v1, balance only, until backfill upgrades it.

    Holds timed out at ``at`` are released first (:meth:`CustomerAggregate.settled`); the other
    holds are kept. Points earned repay arrears first; points revoked that were already spent or
    held come out of the other lots, first-expiring-first, and what is missing becomes arrears.

    Returns None when every change was already applied (nothing to write). A lot whose earned
    points would go negative — only possible if stream records were lost before reaching the
    aggregator — is clamped to 0 and flagged so the caller can report it.
    """
    floor = -1 if current is None else current.applied_position
    ordered = sorted(changes, key=lambda change: change.position)
    fresh = [change for change in ordered if change.position > floor]
    if not fresh:
        return None
    now = _epoch(at)
    expired = removed = 0
    clamped = False
    arrears, holds = 0, tuple[Hold, ...]()
    if current is not None and current.lots is None:
        raw = current.points + sum(change.delta for change in fresh)
        clamped = raw < 0
        lots: tuple[Lot, ...] | None = None
        points = max(raw, 0)
        expired = sum(1 for change in fresh if change.ttl_removal)
    else:
        base = None if current is None else current.settled(at)
        book = _Book(() if base is None else base.lots or (), 0 if base is None else base.arrears)
        for change in fresh:
            for expiry, delta in change.lot_deltas().items():
                if expiry <= now:
                    continue
                if delta > 0:
                    book.earn(expiry, delta)
                else:
                    book.revoke(expiry, -delta, now)
            if change.removal and change.old is not None and change.old.value:
                if change.old.expires_at <= now:
                    expired += 1
                else:
                    removed += 1
        clamped = book.clamped
        lots = book.live_lots(now)
        arrears, holds = book.arrears, () if base is None else base.holds
        points = 0
    aggregate = _written(
        current,
        customer_id=customer_id,
        lots=lots,
        points=points,
        tiers=tiers,
        at=at,
        arrears=arrears,
        holds=holds,
        applied_sequence=fresh[-1].sequence_number,
        applied_change_at=_newest(
            None if current is None else current.applied_change_at,
            *(change.changed_at for change in fresh),
        ),
    )
    return FoldResult(
        aggregate=aggregate,
        applied=len(fresh),
        skipped=len(ordered) - len(fresh),
        clamped=clamped,
        expired=expired,
        removed=removed,
    )


def unapplied_changes(
    aggregate: CustomerAggregate | None, transactions: Iterable[Transaction], *, at: datetime
) -> list[Transaction]:
    """The transactions whose last change the aggregate may not have applied yet (in flight).

    A customer's ledger changes reach the aggregator in the order they were written (one
    partition key, one ordered stream shard lineage). So a change no newer than the newest one
    the aggregate has applied (``applied_change_at``) has been processed — applied, or lost on
    the way and only then fixable — and so has one older than :data:`STREAM_SETTLED_AFTER`,
    whose stream record is past the stream's retention. Anything else may be in flight: fixing
    the aggregate to the ledger then would count it twice when it arrives.
    """
    mark = (
        None
        if aggregate is None or aggregate.applied_change_at is None
        else parse_timestamp(aggregate.applied_change_at)
    )
    settled = at - STREAM_SETTLED_AFTER
    return [
        transaction
        for transaction in transactions
        if (changed := parse_timestamp(transaction.changed_at)) > settled
        and (mark is None or changed > mark)
    ]


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
    transactions: Iterable[Transaction],
    expected: CustomerAggregate | None,
    *,
    redemptions: Iterable[Redemption] = (),
    tiers: TierPolicy = DEFAULT_TIER_POLICY,
    at: datetime,
) -> CustomerAggregate:
    """The aggregate rebuilt from the ledger at ``at``: what an operator's correction writes.

    The lots' earned points come from the ledger's ACTIVE transactions (a v1 aggregate is
    upgraded to lots); their remaining points are what the redemptions committed, or held by a
    hold still active at ``at``, did not take from them (by their recorded allocation). Points a
    redemption took that a lot no longer has (its transaction was revoked since) come out of the
    other lots, first-expiring-first, and the rest is arrears; the active holds are rebuilt from
    the held redemptions. Redemptions are written with the aggregate in one transaction, so
    none is ever in flight. Call it only when :func:`unapplied_changes` finds nothing in flight.
    It keeps the high-water mark, so the aggregator's exactly-once bookkeeping is untouched, and
    bumps the version, so a concurrent aggregator write conflicts instead of being overwritten.
    """
    ledger = list(transactions)
    now = _epoch(at)
    book = _Book(lots_of(ledger, at), 0)
    holds: list[Hold] = []
    for redemption in sorted(redemptions, key=lambda r: (r.created_at, r.redemption_id)):
        status = redemption.status_at(at).value
        if status not in {"HELD", "COMMITTED"}:
            continue
        for expiry, points in redemption.allocation:
            if expiry > now:
                book.take_out(expiry, points, now)
        if status == "HELD":
            holds.append(
                Hold(
                    redemption.redemption_id,
                    redemption.points,
                    redemption.hold_expires_at,
                    redemption.allocation,
                )
            )
    return _written(
        expected,
        customer_id=customer_id,
        lots=book.live_lots(now),
        points=0,
        tiers=tiers,
        at=at,
        arrears=book.arrears,
        holds=tuple(holds),
        applied_sequence=None if expected is None else expected.applied_sequence,
        applied_change_at=_newest(
            None if expected is None else expected.applied_change_at,
            *(transaction.changed_at for transaction in ledger),
        ),
    )
