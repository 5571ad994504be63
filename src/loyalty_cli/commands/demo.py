"""``loyalty demo``: a complete booking scenario through the local sandbox, checked at the end."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalty_cli.commands.sandbox import start_sandbox
from loyalty_cli.context import cli_context
from loyalty_cli.errors import CliError, reports_errors
from loyalty_cli.extras import require_sandbox

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.progress import Progress

    from loyalty.domain.tiers import TierPolicy
    from loyalty.publishing import SnsBookingMessage
    from loyalty_cli.context import CliContext
    from loyalty_sandbox import Sandbox
    from loyalty_sandbox.scenario import Scenario

__all__ = ["demo"]

_PUBLISH_BATCH = 10  # SNS PublishBatch takes at most 10 entries
_MAX_BACKLOG = 150  # moto's SQS slows down with a deep queue; publish no faster than ingest


@dataclass
class _Check:
    name: str
    ok: bool
    detail: str


@dataclass
class _Report:
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    customers: list[dict[str, Any]] = field(default_factory=list)
    dead_letter: dict[str, Any] = field(default_factory=dict)
    checks: list[_Check] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)


class _Display:
    """Live progress of publishing, ingest and aggregation (stderr; off when not a terminal)."""

    def __init__(self, progress: Progress, running: Sandbox) -> None:
        self.progress = progress
        self.running = running
        self.published = 0
        self._publish = progress.add_task("published to SNS", total=0)
        self._ingest = progress.add_task("ingested from SQS", total=0)
        self._aggregate = progress.add_task("aggregated from the stream", total=0)

    def expect(self, messages: int) -> None:
        for task in (self._publish, self._ingest):
            self.progress.update(task, total=(self.progress.tasks[task].total or 0) + messages)

    def refresh(self) -> None:
        counters = self.running.counters()
        ingest, stream = counters["ingest"], counters["aggregate"]
        dead = self.running.queue_depth(self.running.resources.dead_letter_queue_url)
        self.progress.update(self._publish, completed=self.published)
        self.progress.update(self._ingest, completed=ingest.get("messages_deleted", 0) + dead)
        kept = stream.get("records_read", 0) - stream.get("records_filtered", 0)
        done = stream.get("records_done", 0) + stream.get("records_discarded", 0)
        self.progress.update(self._aggregate, total=kept, completed=done)


def _publish(running: Sandbox, messages: Sequence[SnsBookingMessage], display: _Display) -> None:
    sns = running.client("sns")
    display.expect(len(messages))
    for start in range(0, len(messages), _PUBLISH_BATCH):
        # Checked every few requests: each check costs the emulator a scan of the queue.
        while (
            start % (5 * _PUBLISH_BATCH) == 0
            and running.queue_depth(running.resources.ingest_queue_url) > _MAX_BACKLOG
        ):
            display.refresh()
            time.sleep(0.1)
        chunk = messages[start : start + _PUBLISH_BATCH]
        response = sns.publish_batch(
            TopicArn=running.resources.topic_arn,
            PublishBatchRequestEntries=[
                {"Id": str(index), **message} for index, message in enumerate(chunk)
            ],
        )
        if response.get("Failed"):
            raise CliError(f"publishing failed: {response['Failed'][0]}")
        display.published += len(chunk)
        if start % (5 * _PUBLISH_BATCH) == 0:
            display.refresh()
    display.refresh()


def _drain(running: Sandbox, display: _Display, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        display.refresh()
        try:
            running.drain(timeout=0.5)
        except TimeoutError:
            if time.monotonic() > deadline:
                raise CliError(f"the pipeline did not drain within {timeout:g}s") from None
            continue
        display.refresh()
        return


def _wait_for_expiry(running: Sandbox, fakes: int, display: _Display, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while running.counters()["aggregate"].get("ledger_expired", 0) < fakes:
        if time.monotonic() > deadline:
            raise CliError(f"the fake transactions did not expire within {timeout:g}s")
        display.refresh()
        time.sleep(0.2)


def _replay_dead_letters(running: Sandbox) -> dict[str, Any]:
    """Repair the poison message and put it back in the ingest queue; delete it after sending."""
    from loyalty.errors import InvalidBookingMessage
    from loyalty.inbound.sqs import lambda_sqs_record, parse_sqs_record
    from loyalty_sandbox.scenario import repair_poison

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
        body = message.get("Body", "")
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
            MessageBody=repair_poison(body),
            MessageAttributes=message.get("MessageAttributes", {}),
        )
        sqs.delete_message(
            QueueUrl=resources.dead_letter_queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
    return replayed


def _customers(running: Sandbox, scenario: Scenario) -> list[dict[str, Any]]:
    from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository

    tiers = _tiers(running)
    repository = DynamoDBLoyaltyRepository(running.client("dynamodb"), running.resources.table_name)
    expected = scenario.expected_points()
    rows = []
    for customer in scenario.customers:
        summary = repository.get_summary(customer, tiers)
        rows.append(
            {
                "customerId": customer,
                "points": summary.points,
                "level": summary.tier.value,
                "remainingPoints": summary.remaining_points,
                "expectedPoints": expected[customer],
                "expectedLevel": _expected_level(expected[customer], tiers.silver, tiers.gold),
            }
        )
    return rows


def _tiers(running: Sandbox) -> TierPolicy:
    """The tier thresholds the handlers use (from the same environment variables)."""
    from loyalty.settings import Settings

    environ = {**os.environ, "LOYALTY_TABLE_NAME": running.resources.table_name}
    return Settings.from_environ(environ).policy.tiers


def _expected_level(points: int, silver: int, gold: int) -> str:
    # Written out from the rule (DESIGN §2), not through the library's tier function.
    if points >= gold:
        return "GOLD"
    return "SILVER" if points >= silver else "BRONZE"


def _ledger(running: Sandbox) -> dict[tuple[str, str], list[str]]:
    from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository

    repository = DynamoDBLoyaltyRepository(running.client("dynamodb"), running.resources.table_name)
    ledger: dict[tuple[str, str], list[str]] = {}
    for transaction in repository.scan_ledger():
        key = (transaction.customer_id, transaction.booking_id)
        ledger.setdefault(key, []).append(transaction.status.value)
    return ledger


def _checks(running: Sandbox, scenario: Scenario, report: _Report) -> list[_Check]:
    wrong = [
        f"{row['customerId']}: {row['points']} {row['level']} (expected "
        f"{row['expectedPoints']} {row['expectedLevel']})"
        for row in report.customers
        if (row["points"], row["level"]) != (row["expectedPoints"], row["expectedLevel"])
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
    resources = running.resources
    return [
        _Check(
            "every customer's points and tier match the scenario",
            not wrong,
            "; ".join(wrong[:3]) or f"{len(report.customers)} customers",
        ),
        _Check(
            "the ledger holds one transaction per booking, with the expected status",
            not ledger_wrong,
            ", ".join(ledger_wrong[:3]) or f"{len(ledger)} transactions",
        ),
        _Check(
            "each distinct booking was ingested once",
            counts["ingested"] == distinct,
            f"{counts['ingested']} of {distinct}",
        ),
        _Check(
            "every cancellation revoked its booking",
            counts["revoked"] == cancelled,
            f"{counts['revoked']} of {cancelled}",
        ),
        _Check(
            "every fake transaction expired through TTL",
            counts["expired"] == scenario.fakes,
            f"{counts['expired']} of {scenario.fakes}",
        ),
        _Check(
            "the poison message went to the DLQ and landed once replayed",
            counts["sent_to_dlq"] == 1
            and running.queue_depth(resources.dead_letter_queue_url) == 0,
            f"{counts['sent_to_dlq']} dead-lettered, "
            f"{running.queue_depth(resources.dead_letter_queue_url)} left",
        ),
        _Check(
            "no stream batch was discarded",
            running.queue_depth(resources.failure_queue_url) == 0,
            f"{running.queue_depth(resources.failure_queue_url)} on-failure record(s)",
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


def _run(
    state: CliContext, running: Sandbox, scenario: Scenario, fake_ttl: int, timeout: float
) -> _Report:
    report = _Report()
    mark = time.monotonic()

    def stage(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        report.stages[name] = round(now - mark, 1)
        mark = now

    with state.progress() as progress:
        display = _Display(progress, running)
        _publish(running, scenario.first_wave, display)
        _drain(running, display, timeout)
        stage("first wave")
        # Cancellations of confirmed bookings, late confirmations, fakes and the poison.
        _publish(running, scenario.second_wave, display)
        _drain(running, display, timeout)
        stage("second wave and dead-lettering")
        _wait_for_expiry(running, scenario.fakes, display, fake_ttl + timeout)
        _drain(running, display, timeout)
        stage("fake points expiring")
    sent_to_dlq = running.queue_depth(running.resources.dead_letter_queue_url)
    state.note(
        f"drained: {sent_to_dlq} message(s) in the dead-letter queue; "
        "repairing the poison message and replaying it"
    )
    report.dead_letter = _replay_dead_letters(running)
    with state.progress() as progress:
        display = _Display(progress, running)
        _drain(running, display, timeout)
    stage("replay")
    report.counts = _counts(running, scenario, sent_to_dlq)
    report.customers = _customers(running, scenario)
    report.checks = _checks(running, scenario, report)
    return report


def _print(state: CliContext, running: Sandbox, report: _Report) -> None:
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    from loyalty_cli.commands.show import tier_progress

    tiers = _tiers(running)
    console = state.console()
    customers = Table(title="Customers", header_style="bold")
    for column in ("customer", "points", "tier", "to next tier", "progress", "as expected"):
        customers.add_column(column, justify="right" if column == "points" else "left")
    for row in report.customers:
        _, done, span = tier_progress(row["points"], tiers)
        ok = (row["points"], row["level"]) == (row["expectedPoints"], row["expectedLevel"])
        customers.add_row(
            row["customerId"],
            f"{row['points']:,}",
            row["level"],
            f"{row['remainingPoints']:,}" if row["remainingPoints"] else "-",
            ProgressBar(total=span, completed=done, width=20),
            "yes" if ok else f"no: {row['expectedPoints']:,}",
        )
    console.print(customers)

    happened = Table(title="What happened", header_style="bold")
    happened.add_column("")
    happened.add_column("count", justify="right")
    labels = {
        "published": "messages published (incl. the replay)",
        "ingested": "bookings ingested (new transactions)",
        "duplicates_ignored": "duplicates and late messages ignored",
        "revoked": "bookings revoked by a cancellation",
        "expired": "fake transactions expired (TTL)",
        "sent_to_dlq": "messages sent to the dead-letter queue",
        "failed_deliveries_retried": "failed deliveries retried by SQS",
        "ingest_batches": "ingest invocations",
        "aggregate_batches": "aggregate invocations",
    }
    for key, label in labels.items():
        happened.add_row(label, f"{report.counts[key]:,}")
    console.print(happened)

    reasons = report.dead_letter.get("reasons") or ["(none)"]
    console.print(
        f"Dead-letter queue: {report.dead_letter.get('messages', 0)} message(s) after "
        f"{report.dead_letter.get('receives', 0)} receives; rejected because: {reasons[0]}"
    )
    console.print("Repaired (amount as integer minor units) and replayed: it landed once.")
    for check in report.checks:
        mark = "[green]ok[/]" if check.ok else "[red]FAILED[/]"
        console.print(f"  {mark}  {check.name} ({check.detail})")
    stages = ", ".join(f"{name} {seconds:g}s" for name, seconds in report.stages.items())
    console.print(f"Demo finished in {report.seconds:.1f}s ({stages}); sandbox stopped.")


@reports_errors
def demo(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option(min=2, max=500, help="Customers in the scenario.")] = 36,
    seed: Annotated[int, typer.Option(help="Seed of the scenario's random choices.")] = 2026,
    fake_ttl: Annotated[
        int, typer.Option(min=1, max=60, help="Seconds before fake transactions expire.")
    ] = 5,
    timeout: Annotated[
        float, typer.Option(min=5, help="Seconds each stage may take before the demo fails.")
    ] = 120,
) -> None:
    """Run a booking scenario through the local sandbox and check the result.

    Publishes a few hundred bookings (duplicates, cancellations before and after confirmation,
    fake expiring points, a poison message), waits for the pipeline to drain, shows customers and
    counts, replays the repaired poison message from the DLQ, and exits 0 only if the final state
    is the one the scenario implies.
    """
    require_sandbox("demo")
    from loyalty_sandbox.scenario import build_scenario

    state = cli_context(ctx)
    scenario = build_scenario(customers=customers, seed=seed)
    started = time.monotonic()
    running = start_sandbox(
        state,
        function_environment={"LOYALTY_FAKE_TTL_SECONDS": str(fake_ttl)},
        # The poison message is dead-lettered after maxReceiveCount receives: a second apart.
        visibility_timeout=1,
        log_level="CRITICAL",
    )
    try:
        state.note(
            f"sandbox at {running.endpoint_url}; publishing {scenario.messages} messages "
            f"({len(scenario.bookings)} bookings over {len(scenario.customers)} customers)"
        )
        report = _run(state, running, scenario, fake_ttl, timeout)
        report.seconds = time.monotonic() - started
        if state.json:
            state.emit_json(
                {
                    "seconds": round(report.seconds, 1),
                    "stages": report.stages,
                    "counts": report.counts,
                    "deadLetter": report.dead_letter,
                    "customers": report.customers,
                    "checks": [check.__dict__ for check in report.checks],
                }
            )
        else:
            _print(state, running, report)
    finally:
        running.stop()
    failed = [check for check in report.checks if not check.ok]
    if failed:
        raise CliError(
            "the final state does not match the scenario: "
            + "; ".join(f"{check.name} ({check.detail})" for check in failed)
        )
