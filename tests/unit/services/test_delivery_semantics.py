"""Exactly-once aggregation under Lambda's real stream delivery semantics.

A model ledger emits stream records; a simulated Lambda poller cuts them into random batches,
injects write failures, checkpoints at the lowest reported failure, bisects after a function
error and re-runs whole batches after a "timeout" in which some writes already landed. At every
step each stored aggregate has the tier of its points and is never negative; when the stream is
drained every aggregate equals the ledger balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from loyalty import (
    AggregateCache,
    CustomerAggregate,
    InMemoryLoyaltyRepository,
    aggregate_stream_event,
    tier_of,
)
from tests.support.builders import stream_record, transaction_image

CUSTOMERS = ["c-1", "c-2", "c-3"]
BOOKINGS = ["b-1", "b-2", "b-3"]


@dataclass
class Entry:
    points: int
    status: str


class InjectedWriteError(Exception):
    pass


class FaultyRepository(InMemoryLoyaltyRepository):
    """Fails the aggregate writes of chosen customers."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: set[str] = set()

    def save_aggregate(self, aggregate: CustomerAggregate, expected: Any) -> None:
        if aggregate.customer_id in self.failing:
            raise InjectedWriteError(aggregate.customer_id)
        super().save_aggregate(aggregate, expected)


class StreamDelivery(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ledger: dict[tuple[str, str], Entry] = {}
        self.stream: list[dict[str, Any]] = []
        self.sequence = 10**20
        self.checkpoint = 0
        self.bisect_to: int | None = None
        self.repository = FaultyRepository()
        self.cache = AggregateCache()

    # -- the ledger changes, each one a stream record --------------------------------------

    def _emit(
        self, key: tuple[str, str], old: Entry | None, new: Entry | None, *, ttl: bool = False
    ) -> None:
        self.sequence += 1
        image = lambda e: None if e is None else transaction_image(*key, e.points, e.status)  # noqa: E731
        self.stream.append(
            stream_record(image(old), image(new), sequence_number=self.sequence, ttl=ttl)
        )

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        booking=st.sampled_from(BOOKINGS),
        points=st.integers(0, 60_000),
    )
    def confirm(self, customer: str, booking: str, points: int) -> None:
        key = (customer, booking)
        if key not in self.ledger:
            self.ledger[key] = Entry(points, "ACTIVE")
            self._emit(key, None, self.ledger[key])

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        booking=st.sampled_from(BOOKINGS),
        points=st.integers(0, 60_000),
    )
    def cancel(self, customer: str, booking: str, points: int) -> None:
        key = (customer, booking)
        old = self.ledger.get(key)
        if old is None:
            self.ledger[key] = Entry(points, "REVOKED")
            self._emit(key, None, self.ledger[key])
        elif old.status == "ACTIVE":
            self.ledger[key] = Entry(old.points, "REVOKED")
            self._emit(key, old, self.ledger[key])

    @rule(data=st.data())
    def reinstate_or_expire(self, data: st.DataObject) -> None:
        if not self.ledger:
            return
        key = data.draw(st.sampled_from(sorted(self.ledger)))
        old = self.ledger[key]
        if data.draw(st.booleans()):
            del self.ledger[key]
            self._emit(key, old, None, ttl=data.draw(st.booleans()))
        elif old.status == "REVOKED":
            self.ledger[key] = Entry(old.points, "ACTIVE")
            self._emit(key, old, self.ledger[key])

    # -- the simulated Lambda poller ---------------------------------------------------------

    def _invoke(self, batch: list[dict[str, Any]]) -> dict[str, Any]:
        try:
            return aggregate_stream_event(
                {"Records": batch}, self.repository, cache=self.cache
            ).response()
        finally:
            self.repository.failing = set()

    @precondition(lambda self: self.checkpoint < len(self.stream))
    @rule(data=st.data())
    def poll(self, data: st.DataObject) -> None:
        remaining = len(self.stream) - self.checkpoint
        size = self.bisect_to or data.draw(st.integers(1, min(remaining, 20)), label="batch")
        size = min(size, remaining)
        batch = self.stream[self.checkpoint : self.checkpoint + size]
        self.repository.failing = data.draw(st.sets(st.sampled_from(CUSTOMERS)), label="failing")
        mode = data.draw(st.sampled_from(["normal", "normal", "timeout", "crash"]), label="mode")
        if mode == "crash":
            # The function errors after its writes landed: Lambda bisects and retries.
            self._invoke(batch)
            self.bisect_to = max(1, size // 2)
            return
        response = self._invoke(batch)
        if mode == "timeout":
            # The writes landed but the invocation timed out: the whole batch comes again.
            return
        self.bisect_to = None
        failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
        if failed:
            lowest = min(failed, key=int)
            index = next(
                n for n, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] == lowest
            )
            self.checkpoint += index
        else:
            self.checkpoint += size

    @rule()
    def new_container(self) -> None:
        self.cache = AggregateCache()

    # -- what must hold ----------------------------------------------------------------------

    @invariant()
    def every_aggregate_has_the_tier_of_its_points_and_is_never_negative(self) -> None:
        for customer in CUSTOMERS:
            stored = self.repository.get_aggregate(customer)
            if stored is not None:
                assert stored.points >= 0
                assert stored.tier is tier_of(stored.points)

    def teardown(self) -> None:
        self.repository.failing = set()
        while self.checkpoint < len(self.stream):
            batch = self.stream[self.checkpoint : self.checkpoint + 7]
            assert self._invoke(batch) == {"batchItemFailures": []}
            self.checkpoint += len(batch)
        for customer in CUSTOMERS:
            balance = sum(
                entry.points
                for (owner, _), entry in self.ledger.items()
                if owner == customer and entry.status == "ACTIVE"
            )
            assert self.repository.get_summary(customer).points == balance, customer


test_aggregates_equal_the_ledger_under_any_delivery_pattern = StreamDelivery.TestCase
