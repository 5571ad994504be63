"""Lots and punctual expiry with time as a dimension (docs/architecture.md, decision 0007).

A model ledger of a few customers changes by earns, revokes, reinstatements, duplicate
confirmations and removals (manual or by TTL, before or after the lot's expiry) while a clock
moves on. Stream records reach the aggregator in random batches, some of them again
(redeliveries), possibly held for a while. Whenever the aggregator has caught up, every customer's
summary read at the model's ``now`` equals the one computed from the ledger alone: spendable and
qualifying points, tier, points to the next tier and the next expiring lots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from loyalty import (
    AggregateCache,
    InMemoryLoyaltyRepository,
    Lot,
    aggregate_stream_event,
    tier_of,
)
from loyalty.domain.tiers import DEFAULT_TIER_POLICY
from loyalty.testing import stream_record, transaction_image

CUSTOMERS = ["c-1", "c-2"]
BOOKINGS = ["b-1", "b-2", "b-3", "b-4"]
START = int(datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp())
# Lifetimes in tens of seconds so that several bookings share a lot and clock steps expire them.
LIFETIMES = st.integers(1, 12).map(lambda n: n * 10)


@dataclass
class Entry:
    points: int
    status: str
    expires_at: int


class LotsOverTime(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.ledger: dict[tuple[str, str], Entry] = {}
        self.stream: list[dict[str, Any]] = []
        self.delivered = 0
        self.sequence = 10**20
        self.repository = InMemoryLoyaltyRepository()
        self.cache = AggregateCache()

    def clock(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    # -- the ledger changes, each one a stream record ------------------------------------------

    def _emit(
        self, key: tuple[str, str], old: Entry | None, new: Entry | None, *, ttl: bool = False
    ) -> None:
        self.sequence += 1

        def image(entry: Entry | None) -> dict[str, Any] | None:
            if entry is None:
                return None
            return transaction_image(*key, entry.points, entry.status, expires_at=entry.expires_at)

        self.stream.append(
            stream_record(image(old), image(new), sequence_number=self.sequence, ttl=ttl)
        )

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        booking=st.sampled_from(BOOKINGS),
        points=st.integers(0, 60_000),
        lifetime=LIFETIMES,
    )
    def confirm(self, customer: str, booking: str, points: int, lifetime: int) -> None:
        # A duplicate or a confirm after a cancel changes nothing, so it reaches no stream.
        key = (customer, booking)
        if key not in self.ledger:
            self.ledger[key] = Entry(points, "ACTIVE", self.now + lifetime)
            self._emit(key, None, self.ledger[key])

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        booking=st.sampled_from(BOOKINGS),
        points=st.integers(0, 60_000),
        lifetime=LIFETIMES,
    )
    def cancel(self, customer: str, booking: str, points: int, lifetime: int) -> None:
        key = (customer, booking)
        old = self.ledger.get(key)
        if old is None:
            self.ledger[key] = Entry(points, "REVOKED", self.now + lifetime)
            self._emit(key, None, self.ledger[key])
        elif old.status == "ACTIVE":
            self.ledger[key] = Entry(old.points, "REVOKED", old.expires_at)
            self._emit(key, old, self.ledger[key])

    @precondition(lambda self: any(e.status == "REVOKED" for e in self.ledger.values()))
    @rule(data=st.data())
    def reinstate(self, data: st.DataObject) -> None:
        revoked = sorted(k for k, e in self.ledger.items() if e.status == "REVOKED")
        key = data.draw(st.sampled_from(revoked))
        old = self.ledger[key]
        self.ledger[key] = Entry(old.points, "ACTIVE", old.expires_at)
        self._emit(key, old, self.ledger[key])

    @precondition(lambda self: bool(self.ledger))
    @rule(data=st.data(), by_ttl=st.booleans())
    def remove(self, data: st.DataObject, by_ttl: bool) -> None:
        """A manual deletion, or TTL's: early (before the expiry, as a skewed clock might) or late."""
        key = data.draw(st.sampled_from(sorted(self.ledger)))
        old = self.ledger.pop(key)
        self._emit(key, old, None, ttl=by_ttl)

    @rule(seconds=st.sampled_from([1, 5, 10, 30, 60, 200]))
    def advance_clock(self, seconds: int) -> None:
        self.now += seconds

    @rule()
    def new_container(self) -> None:
        self.cache = AggregateCache()

    # -- the aggregator ------------------------------------------------------------------------

    @precondition(lambda self: self.delivered < len(self.stream))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        """The next records in one batch, after a random stretch of records already applied."""
        pending = len(self.stream) - self.delivered
        size = data.draw(st.integers(1, min(pending, 6)), label="batch")
        again = data.draw(st.integers(0, min(self.delivered, 4)), label="redelivered")
        batch = self.stream[self.delivered - again : self.delivered + size]
        result = aggregate_stream_event(
            {"Records": batch}, self.repository, now=self.clock, cache=self.cache
        )
        assert result.response() == {"batchItemFailures": []}
        assert result.counts["duplicates"] == again
        self.delivered += size

    @precondition(lambda self: self.delivered > 0)
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        start = data.draw(st.integers(0, self.delivered - 1))
        batch = self.stream[start : self.delivered]
        result = aggregate_stream_event(
            {"Records": batch}, self.repository, now=self.clock, cache=self.cache
        )
        assert result.counts["applied"] == 0

    # -- what must hold --------------------------------------------------------------------

    def model_lots(self, customer: str) -> tuple[Lot, ...]:
        lots: dict[int, int] = {}
        for (owner, _), entry in self.ledger.items():
            if owner == customer and entry.status == "ACTIVE" and entry.expires_at > self.now:
                lots[entry.expires_at] = lots.get(entry.expires_at, 0) + entry.points
        return tuple(
            Lot(expiry, points, points) for expiry, points in sorted(lots.items()) if points
        )

    @invariant()
    def stored_aggregates_hold_only_live_lots_and_the_tier_of_their_qualifying_points(
        self,
    ) -> None:
        for customer in CUSTOMERS:
            stored = self.repository.get_aggregate(customer)
            if stored is not None:
                assert stored.lots is not None
                assert stored.updated_at is not None
                written = datetime.fromisoformat(stored.updated_at)
                # Lots expired when the aggregate was written were pruned from it.
                assert all(lot.counts_at(written) for lot in stored.lots)
                assert all(lot.earned > 0 and lot.remaining >= 0 for lot in stored.lots)
                assert stored.tier is tier_of(stored.qualifying_points)

    @invariant()
    def once_caught_up_every_summary_equals_the_ledgers_at_the_models_now(self) -> None:
        if self.delivered < len(self.stream):
            return
        for customer in CUSTOMERS:
            lots = self.model_lots(customer)
            qualifying = sum(lot.earned for lot in lots)
            summary = self.repository.get_summary(customer, at=self.clock())
            assert (summary.points, summary.qualifying_points) == (qualifying, qualifying)
            assert summary.tier is DEFAULT_TIER_POLICY.tier_of(qualifying)
            assert summary.remaining_points == DEFAULT_TIER_POLICY.remaining_points(qualifying)
            assert summary.expiring == lots[:3]

    def teardown(self) -> None:
        # Whatever was held arrives in the end, and the same holds then, a little later too.
        if self.delivered < len(self.stream):
            aggregate_stream_event(
                {"Records": self.stream[self.delivered :]},
                self.repository,
                now=self.clock,
                cache=self.cache,
            )
            self.delivered = len(self.stream)
        self.once_caught_up_every_summary_equals_the_ledgers_at_the_models_now()
        self.now += int(timedelta(seconds=65).total_seconds())
        self.once_caught_up_every_summary_equals_the_ledgers_at_the_models_now()


test_summaries_equal_the_ledger_at_every_instant_under_any_interleaving = LotsOverTime.TestCase
