"""The demo: a scenario's traffic through a running sandbox, then a check of the final state.

:func:`run_demo` publishes the scenario's first wave and lets the spender redeem (held,
committed, cancelled, a hold left to time out, a reserve refused for lack of points, the rest
spent), publishes the second wave (which cancels a booking whose points were spent), waits for
the pipeline to drain and the fake points to expire (read punctually, while the TTL sweeper has
not deleted them yet) and then for the TTL deletions, reads the spender's arrears before and
after a late earning, repairs and replays the poison message from the dead-letter queue, and
compares what the ledger and the aggregates hold with what the scenario implies. It prints
nothing: progress goes to ``on_progress`` and notes to ``on_note``, so any front end can show it.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from loyalty.domain.redemptions import RedemptionStatus
from loyalty.errors import (
    HoldExpired,
    InsufficientPoints,
    InvalidBookingMessage,
    LoyaltyError,
    RedemptionNotFound,
)
from loyalty.inbound.sqs import lambda_sqs_record, parse_sqs_record
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
from loyalty.services.redemptions import cancel, commit, get_redemption, reserve
from loyalty.settings import Settings
from loyalty_sandbox.scenario import POISON_AMOUNT, repair_poison

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from loyalty.domain.aggregates import CustomerSummary
    from loyalty.domain.events import TierChanged
    from loyalty.domain.redemptions import Redemption
    from loyalty.domain.tiers import TierPolicy
    from loyalty.publishing import SnsBookingMessage
    from loyalty_sandbox.engine import Sandbox
    from loyalty_sandbox.scenario import Scenario, Spending

__all__ = ["DemoCheck", "DemoError", "DemoProgress", "DemoReport", "run_demo", "tier_policy"]

_PUBLISH_BATCH = 10  # SNS PublishBatch takes at most 10 entries
_MAX_BACKLOG = 150  # moto's SQS slows down with a deep queue; publish no faster than ingest
_SHORT_HOLD = timedelta(seconds=2)
"""The timeout of the hold left to lapse: it times out while the second wave runs."""


class DemoError(Exception):
    """The demo could not run to the end (publishing failed, a stage timed out)."""


@dataclass(frozen=True, slots=True)
class DemoProgress:
    """Where the pipeline is, in counts that only grow and never pass their totals.

    ``ingested`` counts distinct messages done with: ingested (deleted from the queue) or
    dead-lettered; ``to_ingest`` is every message published plus every message replayed from
    the dead-letter queue. ``to_aggregate`` is the ledger records on the stream that the
    aggregator's filter keeps.
    """

    published: int
    to_publish: int
    ingested: int
    to_ingest: int
    aggregated: int
    to_aggregate: int


@dataclass(frozen=True, slots=True)
class DemoCheck:
    """One self-check: what is claimed, whether it holds, and the evidence."""

    name: str
    ok: bool
    detail: str


@dataclass
class DemoReport:
    """What the demo did and found."""

    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    customers: list[dict[str, Any]] = field(default_factory=list)
    dead_letter: dict[str, Any] = field(default_factory=dict)
    checks: list[DemoCheck] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> list[DemoCheck]:
        """The checks that did not hold."""
        return [check for check in self.checks if not check.ok]

    def as_json(self) -> dict[str, Any]:
        """The report as a JSON object."""
        return {
            "seconds": round(self.seconds, 1),
            "stages": self.stages,
            "counts": self.counts,
            "deadLetter": self.dead_letter,
            "customers": self.customers,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def tier_policy(running: Sandbox) -> TierPolicy:
    """The tier thresholds the sandbox's handlers use (from the same environment variables)."""
    environ = {**os.environ, "LOYALTY_TABLE_NAME": running.resources.table_name}
    return Settings.from_environ(environ).policy.tiers


class _Pipeline:
    """The running sandbox seen by the demo: publishing with backpressure, draining, progress."""

    def __init__(self, running: Sandbox, on_progress: Callable[[DemoProgress], None]) -> None:
        self.running = running
        self.on_progress = on_progress
        self.published = 0
        self.to_publish = 0
        self.replayed = 0

    def report_progress(self) -> None:
        counters = self.running.counters()
        ingest, stream = counters["ingest"], counters["aggregate"]
        dead = self.running.queue_depth(self.running.resources.dead_letter_queue_url)
        # moto's keys-only duplicate INSERTs are read but dropped, never delivered.
        kept = (
            stream.get("records_read", 0)
            - stream.get("records_filtered", 0)
            - stream.get("emulator_records_dropped", 0)
        )
        done = stream.get("records_done", 0) + stream.get("records_discarded", 0)
        self.on_progress(
            DemoProgress(
                published=self.published,
                to_publish=self.to_publish,
                # A replayed message left the dead-letter queue having been dealt with once.
                ingested=ingest.get("messages_completed", 0) + dead + self.replayed,
                to_ingest=self.to_publish + self.replayed,
                aggregated=done,
                to_aggregate=kept,
            )
        )

    def publish(self, messages: Sequence[SnsBookingMessage]) -> None:
        sns = self.running.client("sns")
        resources = self.running.resources
        self.to_publish += len(messages)
        for start in range(0, len(messages), _PUBLISH_BATCH):
            # Checked every few requests: each check costs the emulator a scan of the queue.
            checkpoint = start % (5 * _PUBLISH_BATCH) == 0
            while (
                checkpoint and self.running.queue_depth(resources.ingest_queue_url) > _MAX_BACKLOG
            ):
                self.report_progress()
                time.sleep(0.1)
            chunk = messages[start : start + _PUBLISH_BATCH]
            response = sns.publish_batch(
                TopicArn=resources.topic_arn,
                PublishBatchRequestEntries=[
                    {"Id": str(index), **message} for index, message in enumerate(chunk)
                ],
            )
            if response.get("Failed"):
                raise DemoError(f"publishing failed: {response['Failed'][0]}")
            self.published += len(chunk)
            if checkpoint:
                self.report_progress()
        self.report_progress()

    def drain(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.report_progress()
            try:
                self.running.drain(timeout=0.5)
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise DemoError(f"the pipeline did not drain within {timeout:g}s") from None
                continue
            self.report_progress()
            return

    def wait_for_punctual_expiry(self, scenario: Scenario) -> DemoCheck:
        """Wait for the fake lots' expiry, then read: the points are gone, the items still there.

        The sandbox's TTL sweeper lags behind expiry as DynamoDB's does, so the fake transactions
        are still in the ledger when the customers are read at the instant after it.
        """
        repository = _repository(self.running)
        fakes = [t for t in repository.scan_ledger() if t.fake]
        last_expiry = max((t.expires_at for t in fakes), default=0)
        time.sleep(max(0.0, last_expiry - time.time() + 0.1))
        expected = scenario.expected_points()
        expected[scenario.poison_customer] -= POISON_AMOUNT  # replayed from the DLQ later
        owners = sorted({t.customer_id for t in fakes})
        tiers = tier_policy(self.running)
        wrong = [
            f"{customer}: {points} (expected {expected[customer]})"
            for customer in owners
            if (points := repository.get_summary(customer, tiers).points) != expected[customer]
        ]
        remaining = sum(1 for t in repository.scan_ledger() if t.fake)
        return DemoCheck(
            "fake points stopped counting at their expiry, before any TTL deletion",
            not wrong and remaining == len(fakes) > 0,
            "; ".join(wrong[:3])
            or f"{len(owners)} customers read without them, {remaining} of {len(fakes)} fake "
            "transactions still in the ledger",
        )

    def wait_for_expiry(self, fakes: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.running.counters()["aggregate"].get("ledger_expired", 0) < fakes:
            if time.monotonic() > deadline:
                raise DemoError(f"the fake transactions did not expire within {timeout:g}s")
            self.report_progress()
            time.sleep(0.2)


def _held(summary: CustomerSummary) -> str:
    return f"{summary.points:,} spendable, {summary.held_points:,} held"


class _Spender:
    """The spender's redemptions, each step read back and checked against the scenario's rules.

    A library error where the rules expect success fails that step's check (with the error as
    its evidence) instead of ending the demo.
    """

    def __init__(self, running: Sandbox, spending: Spending) -> None:
        self.repository = _repository(running)
        self.tiers = tier_policy(running)
        self.spending = spending
        self.customer = spending.customer_id
        self.counts: Counter[str] = Counter()
        self.checks: list[DemoCheck] = []
        self.timing_out: Redemption | None = None

    def _read(self) -> CustomerSummary:
        return self.repository.get_summary(self.customer, self.tiers)

    def _step(self, name: str, step: Callable[[], tuple[bool, str]]) -> None:
        try:
            ok, detail = step()
        except LoyaltyError as error:
            ok, detail = False, f"{type(error).__name__}: {error}"
        self.checks.append(DemoCheck(name, ok, detail))

    def _count(self, redemption: Redemption) -> Redemption:
        self.counts[redemption.status.value] += 1
        return redemption

    def redeem(self) -> None:
        """After the first wave: hold and commit, hold and cancel, hold to time out, be refused
        for lack of points, and spend the rest."""
        spending, earned = self.spending, self.spending.earned_first
        self._step("a hold counted as held until its commit spent it", self._hold_and_commit)
        self._step("a cancelled hold gave its points back", self._hold_and_cancel)
        self._step(
            "a reserve for more points than spendable was refused and recorded nothing",
            self._hold_to_time_out_and_be_refused,
        )

        def spend_the_rest() -> tuple[bool, str]:
            reserve(
                self.repository,
                self.customer,
                "redeem-rest",
                spending.spent_rest,
                tiers=self.tiers,
            )
            spent = commit(self.repository, self.customer, "redeem-rest", tiers=self.tiers)
            self._count(spent)
            after = self._read()
            wanted = (0, spending.timed_out)
            return (
                spent.status is RedemptionStatus.COMMITTED
                and (after.points, after.held_points) == wanted,
                f"{spending.spent:,} of {earned:,} spent: {_held(after)}",
            )

        self._step("the spender spent everything not held", spend_the_rest)

    def _hold_and_commit(self) -> tuple[bool, str]:
        spending = self.spending
        held = reserve(
            self.repository,
            self.customer,
            "redeem-committed",
            spending.committed,
            tiers=self.tiers,
        )
        during = self._read()
        spent = self._count(
            commit(self.repository, self.customer, "redeem-committed", tiers=self.tiers)
        )
        after = self._read()
        left = spending.earned_first - spending.committed
        return (
            held.status is RedemptionStatus.HELD
            and (during.points, during.held_points) == (left, spending.committed)
            and spent.status is RedemptionStatus.COMMITTED
            and (after.points, after.held_points) == (left, 0),
            f"{spending.committed:,} held: {_held(during)}; committed: {_held(after)}",
        )

    def _hold_and_cancel(self) -> tuple[bool, str]:
        spending = self.spending
        before = spending.earned_first - spending.committed
        reserve(
            self.repository,
            self.customer,
            "redeem-cancelled",
            spending.cancelled,
            tiers=self.tiers,
        )
        during = self._read()
        released = self._count(
            cancel(self.repository, self.customer, "redeem-cancelled", tiers=self.tiers)
        )
        after = self._read()
        return (
            (during.points, during.held_points) == (before - spending.cancelled, spending.cancelled)
            and released.status is RedemptionStatus.CANCELLED
            and (after.points, after.held_points) == (before, 0),
            f"{spending.cancelled:,} held: {_held(during)}; cancelled: {_held(after)}",
        )

    def _hold_to_time_out_and_be_refused(self) -> tuple[bool, str]:
        spending = self.spending
        self.timing_out = reserve(
            self.repository,
            self.customer,
            "redeem-timed-out",
            spending.timed_out,
            hold_timeout=_SHORT_HOLD,
            tiers=self.tiers,
        )
        try:
            reserve(
                self.repository,
                self.customer,
                "redeem-refused",
                spending.refused,
                tiers=self.tiers,
            )
        except InsufficientPoints as error:
            available: int | None = error.available
            self.counts["REFUSED"] += 1
        else:
            available = None
        try:
            get_redemption(self.repository, self.customer, "redeem-refused")
            recorded = True
        except RedemptionNotFound:
            recorded = False
        return (
            available == spending.spendable_after_holds and not recorded,
            f"{spending.refused:,} asked, {available if available is None else f'{available:,}'}"
            f" spendable{', yet recorded' if recorded else ''}",
        )

    def arrears(
        self, pipeline: _Pipeline, late_wave: Sequence[SnsBookingMessage], timeout: float
    ) -> None:
        """After the second wave: the lapsed hold, then arrears before and after a late earning."""
        self._step(
            "a hold not committed in time stopped counting and could not be committed",
            self._timed_out,
        )

        def repaid() -> tuple[bool, str]:
            spending = self.spending
            revoked = self._read()
            pipeline.publish(late_wave)
            pipeline.drain(timeout)
            after = self._read()
            self.counts["arrears"] = after.arrears
            return (
                (revoked.points, revoked.arrears) == (0, spending.arrears_after_revocation)
                and (after.points, after.arrears) == (0, spending.arrears),
                f"{spending.revoked:,} revoked after spending: {revoked.arrears:,} in arrears; "
                f"{spending.repaid:,} earned later: {after.arrears:,} in arrears",
            )

        self._step(
            "a booking cancelled after its points were spent left arrears, repaid by a later "
            "earning",
            repaid,
        )

    def _timed_out(self) -> tuple[bool, str]:
        if self.timing_out is None:
            return False, "the hold was never placed"
        # The hold lapses at its own instant, with no sweeper: wait for it if need be.
        time.sleep(max(0.0, self.timing_out.hold_expires_at - time.time() + 0.1))
        read = get_redemption(self.repository, self.customer, "redeem-timed-out")
        status = read.status_at(datetime.now(UTC))
        try:
            commit(self.repository, self.customer, "redeem-timed-out", tiers=self.tiers)
            refused = False
        except HoldExpired:
            refused = True
        if status is RedemptionStatus.EXPIRED:
            self.counts[status.value] += 1
        held = self._read().held_points
        return (
            status is RedemptionStatus.EXPIRED and refused and held == 0,
            f"read as {status.value}, commit {'refused' if refused else 'accepted'}, {held:,} held",
        )


def run_demo(
    running: Sandbox,
    scenario: Scenario,
    *,
    fake_ttl: int,
    ttl_lag: float,
    timeout: float,
    on_progress: Callable[[DemoProgress], None],
    on_note: Callable[[str], None],
) -> DemoReport:
    """Run ``scenario`` through ``running``.

    ``running`` was started with the handlers' fake TTL ``fake_ttl`` and its TTL sweeper's lag
    ``ttl_lag`` (seconds an expired item stays before it is deleted).

    Raises
    ------
    DemoError
        If publishing fails or a stage takes longer than ``timeout`` seconds.
    """
    report = DemoReport()
    started = mark = time.monotonic()

    def stage(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        report.stages[name] = round(now - mark, 1)
        mark = now

    pipeline = _Pipeline(running, on_progress)
    pipeline.publish(scenario.first_wave)
    pipeline.drain(timeout)
    stage("first wave")
    spender = _Spender(running, scenario.spending)
    spender.redeem()
    on_note(f"{scenario.spending.customer_id} redeemed: {dict(spender.counts)}")
    stage("redemptions")
    # Cancellations of confirmed bookings, late confirmations, fakes and the poison.
    pipeline.publish(scenario.second_wave)
    pipeline.drain(timeout)
    stage("second wave and dead-lettering")
    punctual = pipeline.wait_for_punctual_expiry(scenario)
    on_note(f"fake points expired: {punctual.detail}")
    stage("fake points expiring")
    pipeline.wait_for_expiry(scenario.fakes, ttl_lag + fake_ttl + timeout)
    pipeline.drain(timeout)
    stage("TTL deleting the expired transactions")
    spender.arrears(pipeline, scenario.late_wave, timeout)
    stage("arrears")
    sent_to_dlq = running.queue_depth(running.resources.dead_letter_queue_url)
    on_note(
        f"drained: {sent_to_dlq} message(s) in the dead-letter queue; "
        "repairing the poison message and replaying it"
    )
    report.dead_letter = _replay_dead_letters(running)
    pipeline.replayed = report.dead_letter["messages"]
    pipeline.drain(timeout)
    stage("replay")
    changes = running.tier_changes(wait_seconds=1)
    report.counts = _counts(running, scenario, sent_to_dlq)
    report.counts["tier_changes"] = len({change.event_id for change in changes})
    report.counts.update(
        {
            "redemptions_committed": spender.counts[RedemptionStatus.COMMITTED.value],
            "redemptions_cancelled": spender.counts[RedemptionStatus.CANCELLED.value],
            "redemptions_timed_out": spender.counts[RedemptionStatus.EXPIRED.value],
            "redemptions_refused": spender.counts["REFUSED"],
            "arrears": spender.counts["arrears"],
        }
    )
    report.customers = _customers(running, scenario)
    report.checks = [
        punctual,
        *spender.checks,
        *_checks(running, scenario, report),
        _tier_change_check(report, changes),
    ]
    report.seconds = time.monotonic() - started
    return report


def _replay_dead_letters(running: Sandbox) -> dict[str, Any]:
    """Repair the poison message and put it back in the ingest queue; delete it after sending."""
    sqs = running.client("sqs")
    resources = running.resources
    messages = sqs.receive_message(
        QueueUrl=resources.dead_letter_queue_url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        WaitTimeSeconds=1,
    ).get("Messages", [])
    replayed: dict[str, Any] = {"messages": len(messages), "reasons": []}
    for message in messages:
        record = lambda_sqs_record(
            message, queue_arn=resources.dead_letter_queue_arn, region=running.region
        )
        try:
            parse_sqs_record(record)
            reason = "valid"
        except InvalidBookingMessage as error:
            reason = str(error)
        replayed["reasons"].append(reason)
        replayed["receives"] = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 0))
        sqs.send_message(
            QueueUrl=resources.ingest_queue_url,
            MessageBody=repair_poison(message.get("Body", "")),
            MessageAttributes=message.get("MessageAttributes", {}),
        )
        sqs.delete_message(
            QueueUrl=resources.dead_letter_queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
    return replayed


def _repository(running: Sandbox) -> DynamoDBLoyaltyRepository:
    return DynamoDBLoyaltyRepository(running.client("dynamodb"), running.resources.table_name)


def _expected_level(points: int, silver: int, gold: int) -> str:
    # Written out from the tier rule (docs/architecture.md), not through the library's tier
    # function, so that the check does not trust the code it checks.
    if points >= gold:
        return "GOLD"
    return "SILVER" if points >= silver else "BRONZE"


def _customers(running: Sandbox, scenario: Scenario) -> list[dict[str, Any]]:
    tiers = tier_policy(running)
    repository = _repository(running)
    expected = scenario.expected_points()
    qualifying = scenario.expected_qualifying()
    arrears = scenario.expected_arrears()
    rows = []
    for customer in scenario.customers:
        summary = repository.get_summary(customer, tiers)
        rows.append(
            {
                "customerId": customer,
                "points": summary.points,
                "level": summary.tier.value,
                "remainingPoints": summary.remaining_points,
                "qualifyingPoints": summary.qualifying_points,
                "heldPoints": summary.held_points,
                "arrears": summary.arrears,
                "expectedPoints": expected[customer],
                "expectedLevel": _expected_level(qualifying[customer], tiers.silver, tiers.gold),
                "expectedArrears": arrears[customer],
            }
        )
    return rows


def _ledger(running: Sandbox) -> dict[tuple[str, str], list[str]]:
    ledger: dict[tuple[str, str], list[str]] = {}
    for transaction in _repository(running).scan_ledger():
        key = (transaction.customer_id, transaction.booking_id)
        ledger.setdefault(key, []).append(transaction.status.value)
    return ledger


def _checks(running: Sandbox, scenario: Scenario, report: DemoReport) -> list[DemoCheck]:
    wrong = [
        f"{row['customerId']}: {row['points']} {row['level']}, {row['arrears']} in arrears, "
        f"{row['heldPoints']} held (expected {row['expectedPoints']} {row['expectedLevel']}, "
        f"{row['expectedArrears']} in arrears, none held)"
        for row in report.customers
        if (row["points"], row["level"], row["arrears"], row["heldPoints"])
        != (row["expectedPoints"], row["expectedLevel"], row["expectedArrears"], 0)
    ]
    ledger = _ledger(running)
    expected_ledger = scenario.expected_ledger()
    ledger_wrong = sorted(
        f"{customer}/{booking}"
        for customer, booking in set(ledger) | set(expected_ledger)
        if ledger.get((customer, booking)) != [expected_ledger.get((customer, booking))]
    )
    counts = report.counts
    distinct = len(scenario.bookings) + 1
    cancelled = sum(1 for booking in scenario.bookings if booking.cancelled)
    dead_letters = running.queue_depth(running.resources.dead_letter_queue_url)
    failures = running.queue_depth(running.resources.failure_queue_url) + running.queue_depth(
        running.resources.notify_failure_queue_url
    )
    return [
        DemoCheck(
            "every customer's points, tier and arrears match the scenario",
            not wrong,
            "; ".join(wrong[:3]) or f"{len(report.customers)} customers",
        ),
        DemoCheck(
            "the ledger holds one transaction per booking, with the expected status",
            not ledger_wrong,
            ", ".join(ledger_wrong[:3]) or f"{len(ledger)} transactions",
        ),
        DemoCheck(
            "each distinct booking was ingested once",
            counts["ingested"] == distinct,
            f"{counts['ingested']} of {distinct}",
        ),
        DemoCheck(
            "every cancellation revoked its booking",
            counts["revoked"] == cancelled,
            f"{counts['revoked']} of {cancelled}",
        ),
        DemoCheck(
            "every expired fake transaction was deleted by TTL, changing no balance",
            counts["expired"] == scenario.fakes,
            f"{counts['expired']} of {scenario.fakes}",
        ),
        DemoCheck(
            "the poison message went to the DLQ and landed once replayed",
            counts["sent_to_dlq"] == 1 and dead_letters == 0,
            f"{counts['sent_to_dlq']} dead-lettered, {dead_letters} left",
        ),
        DemoCheck(
            "no stream batch was discarded",
            failures == 0,
            f"{failures} on-failure record(s)",
        ),
    ]


def _counts(running: Sandbox, scenario: Scenario, sent_to_dlq: int) -> dict[str, int]:
    counters = running.counters()
    ingest, stream = counters["ingest"], counters["aggregate"]
    inserted = stream.get("ledger_inserted_active", 0) + stream.get("ledger_inserted_revoked", 0)
    changes = inserted + stream.get("ledger_revoked", 0)
    return {
        "published": scenario.messages + 1,  # and the replayed poison message
        "ingested": inserted,
        "duplicates_ignored": ingest.get("messages_deleted", 0) - changes,
        "revoked": stream.get("ledger_revoked", 0) + stream.get("ledger_inserted_revoked", 0),
        "expired": stream.get("ledger_expired", 0),
        "sent_to_dlq": sent_to_dlq,
        "failed_deliveries_retried": ingest.get("messages_failed", 0),
        "ingest_batches": ingest.get("batches", 0),
        "aggregate_batches": stream.get("batches", 0),
    }


def _tier_change_check(report: DemoReport, changes: list[TierChanged]) -> DemoCheck:
    """Each customer's published changes, de-duplicated, lead from BRONZE to their final tier.

    Events arrive in any order (a standard queue), so the check counts rather than orders: on a
    path of changes every tier is entered as often as it is left, except the first (BRONZE, left
    once more) and the last (the final tier, entered once more).
    """
    unique = {change.event_id: change for change in changes}.values()
    balance: dict[str, Counter[str]] = {}
    for change in unique:
        tiers = balance.setdefault(change.customer_id, Counter())
        tiers[change.from_tier.value] -= 1
        tiers[change.to_tier.value] += 1
    wrong = []
    for row in report.customers:
        expected = {} if row["level"] == "BRONZE" else {row["level"]: 1, "BRONZE": -1}
        counted = balance.get(row["customerId"], Counter())
        if {tier: count for tier, count in counted.items() if count} != expected:
            wrong.append(row["customerId"])
    return DemoCheck(
        "every customer's published tier changes lead from BRONZE to their tier",
        not wrong,
        ", ".join(wrong[:3]) or f"{len(unique)} change(s) over {len(balance)} customer(s)",
    )
