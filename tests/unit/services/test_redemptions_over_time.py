"""The whole ledger with redemption, time as a dimension (docs/architecture.md, decision 0013).

Customers earn and lose points (bookings confirmed and cancelled, also after their points were
spent), reserve, commit and cancel redemptions (a cancel of a committed one is a refund) while a
clock moves on, so holds time out and lots expire. The booking changes reach the stream aggregator
in random batches, late and some of them again; a reserve may lose the race against another
reserve or against the aggregator between its read and its write.

The model knows only the rules (decision 0013, the runbook's "Redemptions"): lots of earned and
remaining points by expiry; a hold takes points first-expiring-first-out and stops counting at
its timeout, when its points go back to lots that still count; revoked points come out of their
own lot, then first-expiring-first from the others, the rest is arrears; points coming back repay
arrears first; a change reaches the read when the aggregator applies it. After every step every field of
every customer's read equals the model's, and nothing is negative or overspent.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from loyalty import (
    AggregateCache,
    CustomerAggregate,
    HoldExpired,
    InMemoryLoyaltyRepository,
    InsufficientPoints,
    Lot,
    Redemption,
    RedemptionCancelled,
    RedemptionConflict,
    RedemptionNotFound,
    Transaction,
    TransactionStatus,
    aggregate_stream_event,
    cancel,
    commit,
    reserve,
)
from loyalty.domain.clock import format_timestamp
from loyalty.domain.tiers import DEFAULT_TIER_POLICY
from loyalty.errors import RedemptionWriteConflict

if TYPE_CHECKING:
    from collections.abc import Callable

CUSTOMERS = ["c-1", "c-2"]
BOOKINGS = ["b-1", "b-2", "b-3", "b-4"]
REDEMPTIONS = [f"r-{n}" for n in range(1, 7)]
START = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp())
HOLD_TIMEOUT = 45
# Lifetimes in tens of seconds so that several bookings share a lot and clock steps expire them.
LIFETIMES = st.integers(1, 12).map(lambda n: n * 10)
EARNED = st.integers(0, 60_000)


# -- the model, from the rules alone -----------------------------------------------------------


@dataclass
class ModelRedemption:
    points: int
    status: str  # HELD, COMMITTED or CANCELLED, as recorded
    allocation: list[tuple[int, int]]
    held_until: int
    released: bool = False  # a HELD one whose hold timed out (its points went back)


@dataclass
class ModelCustomer:
    earned: dict[int, int] = field(default_factory=dict)
    remaining: dict[int, int] = field(default_factory=dict)
    arrears: int = 0
    redemptions: dict[str, ModelRedemption] = field(default_factory=dict)

    def _come_back(self, expiry: int, points: int) -> None:
        repaid = min(self.arrears, points)
        self.arrears -= repaid
        self.remaining[expiry] = self.remaining.get(expiry, 0) + points - repaid

    def _give_back(self, allocation: list[tuple[int, int]], instant: int) -> None:
        # Points of a lot that expired by the instant they come back are gone.
        for expiry, points in allocation:
            if expiry > instant:
                self._come_back(expiry, points)

    def settle(self, now: int) -> None:
        """Holds time out at their own instant, in that order."""
        timed_out = sorted(
            (r.held_until, rid, r)
            for rid, r in self.redemptions.items()
            if r.status == "HELD" and not r.released and r.held_until <= now
        )
        for held_until, _, redemption in timed_out:
            self._give_back(redemption.allocation, held_until)
            redemption.released = True

    def spendable(self, now: int) -> int:
        if self.arrears:
            return 0
        return sum(points for expiry, points in self.remaining.items() if expiry > now)

    def earn(self, expiry: int, points: int, now: int) -> None:
        if expiry > now and points:
            self.earned[expiry] = self.earned.get(expiry, 0) + points
            self._come_back(expiry, points)

    def revoke(self, expiry: int, points: int, now: int) -> None:
        if expiry <= now or not points:
            return
        self.earned[expiry] -= points
        missing = points
        for lot in [expiry, *sorted(e for e in self.remaining if e > now and e != expiry)]:
            taken = min(self.remaining.get(lot, 0), missing)
            self.remaining[lot] = self.remaining.get(lot, 0) - taken
            missing -= taken
        self.arrears += missing

    def reserve(self, rid: str, points: int, now: int) -> tuple[str, Any, bool]:
        """The outcome (kind, detail) and whether the call writes anything."""
        existing = self.redemptions.get(rid)
        if existing is not None:
            if existing.points != points:
                return "conflict", existing.points, False
            return "same", existing, False
        self.settle(now)
        available = self.spendable(now)
        if available < points:
            return "insufficient", available, False
        allocation, wanted = [], points
        for expiry in sorted(e for e in self.remaining if e > now):
            part = min(self.remaining[expiry], wanted)
            if part:
                allocation.append((expiry, part))
                self.remaining[expiry] -= part
                wanted -= part
        redemption = ModelRedemption(points, "HELD", allocation, now + HOLD_TIMEOUT)
        self.redemptions[rid] = redemption
        return "held", redemption, True

    def commit(self, rid: str, now: int) -> str:
        redemption = self.redemptions.get(rid)
        if redemption is None:
            return "not found"
        self.settle(now)
        if redemption.status == "HELD":
            if redemption.released:
                return "hold expired"
            redemption.status = "COMMITTED"
        return "cancelled" if redemption.status == "CANCELLED" else "COMMITTED"

    def cancel(self, rid: str, now: int) -> str:
        redemption = self.redemptions.get(rid)
        if redemption is None:
            return "not found"
        self.settle(now)
        if redemption.status == "COMMITTED" or (
            redemption.status == "HELD" and not redemption.released
        ):
            self._give_back(redemption.allocation, now)
        redemption.status = "CANCELLED"
        return "CANCELLED"

    def read(self, now: int) -> dict[str, Any]:
        self.settle(now)
        live = sorted(e for e in set(self.earned) | set(self.remaining) if e > now)
        qualifying = sum(self.earned.get(e, 0) for e in live)
        return {
            "points": self.spendable(now),
            "held_points": sum(
                r.points for r in self.redemptions.values() if r.status == "HELD" and not r.released
            ),
            "qualifying_points": qualifying,
            "tier": DEFAULT_TIER_POLICY.tier_of(qualifying),
            "remaining_points": DEFAULT_TIER_POLICY.remaining_points(qualifying),
            "arrears": self.arrears,
            "expiring": tuple(
                Lot(e, self.earned.get(e, 0), self.remaining[e])
                for e in live
                if self.remaining.get(e, 0) > 0
            )[:3],
        }


# -- the system, with a seam between a redemption call's read and its write ---------------------


class RacingRepository(InMemoryLoyaltyRepository):
    """Runs ``interloper`` (another writer) right after the next redemption read, before its write."""

    def __init__(self) -> None:
        super().__init__()
        self.interloper: Callable[[], None] | None = None
        self.write_conflicts = 0

    def get_redemption_state(
        self, customer_id: str, redemption_id: str
    ) -> tuple[Redemption | None, CustomerAggregate | None]:
        state = super().get_redemption_state(customer_id, redemption_id)
        interloper, self.interloper = self.interloper, None
        if interloper is not None:
            interloper()
        return state

    def save_redemption(self, *args: Any) -> None:
        try:
            super().save_redemption(*args)
        except RedemptionWriteConflict:
            self.write_conflicts += 1
            raise


def _outcome(call: Callable[[], Redemption]) -> tuple[str, Any]:
    try:
        return "ok", call()
    except InsufficientPoints as error:
        return "insufficient", error.available
    except RedemptionConflict as error:
        return "conflict", error.recorded
    except RedemptionNotFound:
        return "not found", None
    except HoldExpired:
        return "hold expired", None
    except RedemptionCancelled:
        return "cancelled", None


class RedemptionsOverTime(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.model = {customer: ModelCustomer() for customer in CUSTOMERS}
        self.ledger: dict[tuple[str, str], Transaction] = {}
        self.repository = RacingRepository()
        self.cache = AggregateCache()
        # The table's stream (every item's changes), and what each booking change means.
        self.stream: list[dict[str, Any]] = []
        self.booking_changes: dict[str, tuple[str, str, int, int]] = {}
        self.delivered = 0
        self.earned_ever = dict.fromkeys(CUSTOMERS, 0)

    def clock(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    def _collect(self, change: tuple[str, str, int, int] | None = None) -> None:
        records = self.repository.take_stream_event()["Records"]
        self.stream.extend(records)
        if change is not None and records:
            (record,) = records
            self.booking_changes[record["dynamodb"]["SequenceNumber"]] = change

    # -- the ledger ------------------------------------------------------------------------

    @initialize(
        earned=st.tuples(*(st.tuples(EARNED, LIFETIMES) for _ in CUSTOMERS)),
    )
    def customers_start_with_points(self, earned: tuple[tuple[int, int], ...]) -> None:
        for customer, (points, lifetime) in zip(CUSTOMERS, earned, strict=True):
            self.confirm_booking(customer, BOOKINGS[0], points, lifetime, caught_up=True)

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        booking=st.sampled_from(BOOKINGS),
        points=EARNED,
        lifetime=LIFETIMES,
        caught_up=st.booleans(),
    )
    def confirm_booking(
        self, customer: str, booking: str, points: int, lifetime: int, caught_up: bool
    ) -> None:
        """A booking confirmed; with ``caught_up`` the aggregator applies the stream right away."""
        transaction = Transaction(
            transaction_id=f"t-{customer}-{booking}",
            customer_id=customer,
            booking_id=booking,
            points=points,
            status=TransactionStatus.ACTIVE,
            created_at=format_timestamp(self.clock()),
            expires_at=self.now + lifetime,
        )
        self.repository.record_transaction(transaction)
        key = (customer, booking)
        if key not in self.ledger:  # a duplicate, or a confirm after a cancel, writes nothing
            self.ledger[key] = transaction
            self._collect(("earn", customer, transaction.expires_at, points))
        if caught_up and self.delivered < len(self.stream):
            self._deliver(len(self.stream) - self.delivered, 0)

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        booking=st.sampled_from(BOOKINGS),
        points=EARNED,
        lifetime=LIFETIMES,
    )
    def cancel_booking(self, customer: str, booking: str, points: int, lifetime: int) -> None:
        key = (customer, booking)
        old = self.ledger.get(key)
        if old is not None and old.status is TransactionStatus.REVOKED:
            return
        base = old or Transaction(
            transaction_id=f"t-{customer}-{booking}",
            customer_id=customer,
            booking_id=booking,
            points=points,
            status=TransactionStatus.ACTIVE,
            created_at=format_timestamp(self.clock()),
            expires_at=self.now + lifetime,
        )
        self.repository.revoke_transaction(base.revoked(self.clock()))
        self.ledger[key] = self.repository.get_transaction(customer, booking)  # type: ignore[assignment]
        # A cancel before the confirm records REVOKED points, worth nothing.
        points_lost = 0 if old is None else old.points
        self._collect(("revoke", customer, base.expires_at, points_lost))

    @precondition(lambda self: any(t.expires_at <= self.now for t in self.ledger.values()))
    @rule(data=st.data())
    def ttl_removes_an_expired_transaction(self, data: st.DataObject) -> None:
        expired = sorted(k for k, t in self.ledger.items() if t.expires_at <= self.now)
        customer, booking = data.draw(st.sampled_from(expired))
        del self.ledger[(customer, booking)]
        self.repository.remove_transaction(customer, booking, by_ttl=True)
        self._collect()

    @rule(seconds=st.sampled_from([1, 2, 5, 10, 20, 44, 45, 60, 200]))
    def advance_clock(self, seconds: int) -> None:
        self.now += seconds

    @rule()
    def new_container(self) -> None:
        self.cache = AggregateCache()

    # -- the stream aggregator ---------------------------------------------------------------

    def _deliver(self, size: int, again: int) -> None:
        batch = self.stream[self.delivered - again : self.delivered + size]
        result = aggregate_stream_event(
            {"Records": batch}, self.repository, now=self.clock, cache=self.cache
        )
        assert result.response() == {"batchItemFailures": []}
        for record in self.stream[self.delivered : self.delivered + size]:
            change = self.booking_changes.get(record["dynamodb"]["SequenceNumber"])
            if change is not None:
                kind, customer, expiry, points = change
                model = self.model[customer]
                model.settle(self.now)
                if kind == "earn":
                    model.earn(expiry, points, self.now)
                    self.earned_ever[customer] += points
                else:
                    model.revoke(expiry, points, self.now)
        self.delivered += size
        self._collect()

    @precondition(lambda self: self.delivered < len(self.stream))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        """The next records in one batch, after a random stretch of records already delivered."""
        pending = len(self.stream) - self.delivered
        size = data.draw(st.integers(1, min(pending, 8)), label="batch")
        again = data.draw(st.integers(0, min(self.delivered, 6)), label="redelivered")
        self._deliver(size, again)

    @precondition(lambda self: self.delivered > 0)
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        start = data.draw(st.integers(0, self.delivered - 1))
        result = aggregate_stream_event(
            {"Records": self.stream[start : self.delivered]},
            self.repository,
            now=self.clock,
            cache=self.cache,
        )
        assert result.counts["applied"] == 0
        self._collect()

    def _points(self, data: st.DataObject, customer: str) -> int:
        """Any amount, or a share of what the model can spend (a little more, now and then)."""
        spendable = self.model[customer].spendable(self.now)
        share = st.integers(1, 12).map(lambda tenths: max(1, spendable * tenths // 10))
        return data.draw(st.one_of(share, st.integers(1, 70_000)), label="points")

    def _rid(self, data: st.DataObject, customer: str) -> str:
        """A redemption id the customer used, or any (a new one, or unknown to commit/cancel)."""
        used = sorted(self.model[customer].redemptions)
        ids = st.sampled_from(REDEMPTIONS)
        if not used:
            return data.draw(ids, label="id")
        return data.draw(st.one_of(st.sampled_from(used), st.sampled_from(used), ids), label="id")

    # -- redemption ----------------------------------------------------------------------------

    def _reserve(self, customer: str, rid: str, points: int) -> tuple[str, Any]:
        return _outcome(
            lambda: reserve(
                self.repository,
                customer,
                rid,
                points,
                hold_timeout=timedelta(seconds=HOLD_TIMEOUT),
                now=self.clock,
            )
        )

    def _check_reserve(
        self, expected: tuple[str, Any, bool], actual: tuple[str, Any], points: int
    ) -> None:
        kind, detail, _ = expected
        if kind in {"held", "same"}:
            status, redemption = actual
            assert status == "ok"
            assert (redemption.points, redemption.status.value) == (points, detail.status)
            assert redemption.hold_expires_at == detail.held_until
        else:
            assert actual == (kind, detail)

    @rule(customer=st.sampled_from(CUSTOMERS), data=st.data())
    def reserve_points(self, customer: str, data: st.DataObject) -> None:
        rid, points = self._rid(data, customer), self._points(data, customer)
        actual = self._reserve(customer, rid, points)
        self._check_reserve(self.model[customer].reserve(rid, points, self.now), actual, points)
        self._collect()

    @rule(customer=st.sampled_from(CUSTOMERS), data=st.data(), aggregator_instead=st.booleans())
    def reserve_while_another_writer_lands(
        self, customer: str, data: st.DataObject, aggregator_instead: bool
    ) -> None:
        """Between the first reserve's read and its write, a second reserve (or the aggregator,
        with whatever is pending) writes the same aggregate: the first must retry on what that
        left, or, if it had nothing to write, answer as of its read."""
        first = (self._rid(data, customer), self._points(data, customer))
        second = (self._rid(data, customer), self._points(data, customer))
        model = self.model[customer]
        as_read = copy.deepcopy(model).reserve(*first, self.now)
        versions: list[int] = []

        def interloper() -> None:
            before = self.repository.get_aggregate(customer)
            if aggregator_instead:
                if self.delivered < len(self.stream):
                    self._deliver(len(self.stream) - self.delivered, 0)
            else:
                second_actual = self._reserve(customer, *second)
                self._check_reserve(model.reserve(*second, self.now), second_actual, second[1])
            after = self.repository.get_aggregate(customer)
            versions.extend(a.version if a else 0 for a in (before, after))

        self.repository.interloper = interloper
        self.repository.write_conflicts = 0
        actual = self._reserve(customer, *first)
        overtaken = versions[0] != versions[1]
        if as_read[2]:
            # It meant to write: it lost the race if the other wrote, and then saw its effect.
            assert self.repository.write_conflicts == int(overtaken)
            self._check_reserve(model.reserve(*first, self.now), actual, first[1])
        else:
            assert self.repository.write_conflicts == 0
            self._check_reserve(as_read, actual, first[1])
        self._collect()

    @rule(customer=st.sampled_from(CUSTOMERS), data=st.data())
    def commit_redemption(self, customer: str, data: st.DataObject) -> None:
        rid = self._rid(data, customer)
        actual = _outcome(lambda: commit(self.repository, customer, rid, now=self.clock))
        expected = self.model[customer].commit(rid, self.now)
        if expected == "COMMITTED":
            assert actual[0] == "ok"
            assert actual[1].status.value == "COMMITTED"
        else:
            assert actual == (expected, None)
        self._collect()

    @rule(customer=st.sampled_from(CUSTOMERS), data=st.data())
    def cancel_redemption(self, customer: str, data: st.DataObject) -> None:
        rid = self._rid(data, customer)
        actual = _outcome(lambda: cancel(self.repository, customer, rid, now=self.clock))
        expected = self.model[customer].cancel(rid, self.now)
        if expected == "CANCELLED":
            assert actual[0] == "ok"
            assert actual[1].status.value == "CANCELLED"
        else:
            assert actual == (expected, None)
        self._collect()

    # -- what must hold --------------------------------------------------------------------

    @invariant()
    def every_field_of_every_read_equals_the_model(self) -> None:
        for customer in CUSTOMERS:
            summary = self.repository.get_summary(customer, at=self.clock())
            read = {name: getattr(summary, name) for name in self.model[customer].read(self.now)}
            assert read == self.model[customer].read(self.now)

    @invariant()
    def nothing_is_negative_or_overspent(self) -> None:
        for customer in CUSTOMERS:
            summary = self.repository.get_summary(customer, at=self.clock())
            assert min(summary.points, summary.held_points, summary.arrears) >= 0
            assert not (summary.points and summary.arrears)
            stored = self.repository.get_aggregate(customer)
            if stored is not None and stored.lots is not None:
                assert all(lot.remaining >= 0 and lot.earned >= 0 for lot in stored.lots)
            out = sum(
                r.points
                for r in self.repository.list_redemptions(customer)
                if r.status_at(self.clock()).value in {"HELD", "COMMITTED"}
            )
            assert out <= self.earned_ever[customer]

    def teardown(self) -> None:
        # Whatever was held back arrives in the end, and the read still equals the model.
        if self.delivered < len(self.stream):
            self._deliver(len(self.stream) - self.delivered, 0)
            self.every_field_of_every_read_equals_the_model()


test_every_read_equals_the_rules_under_any_interleaving = RedemptionsOverTime.TestCase
