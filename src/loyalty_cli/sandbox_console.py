"""The local sandbox at the terminal: starting it for a command, and what it shows.

``loyalty sandbox`` and ``loyalty demo`` share this; the emulator itself is ``loyalty_sandbox``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty_cli.errors import CliError
from loyalty_cli.extras import require_sandbox

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from loyalty.domain.events import TierChanged
    from loyalty.domain.tiers import TierPolicy
    from loyalty_cli.context import CliContext
    from loyalty_sandbox import Sandbox
    from loyalty_sandbox.demo import DemoProgress, DemoReport

__all__ = [
    "DemoDisplay",
    "print_demo_report",
    "print_resources",
    "print_tier_change",
    "start_sandbox",
]


def start_sandbox(state: CliContext, command: str, **options: Any) -> Sandbox:
    """Start a :class:`~loyalty_sandbox.Sandbox` for ``loyalty {command}``, with a one-line
    error if it cannot (the ``sandbox`` extra missing, the port taken)."""
    require_sandbox(command)
    from loyalty_sandbox import Sandbox
    from loyalty_sandbox.server import PortInUseError

    region = state.region or "eu-west-1"
    try:
        return Sandbox(region=region, **options).start()
    except PortInUseError as error:
        raise CliError(
            f"{error}: stop the program using it, or pick another --port (0 picks a free one)"
        ) from None
    except OSError as error:
        raise CliError(f"cannot start the emulator on 127.0.0.1: {error}") from None


def print_resources(console: Console, running: Sandbox, exports: dict[str, str]) -> None:
    """What ``loyalty sandbox`` prints once it runs: resources and the exports pointing at them."""
    from rich.table import Table

    console.print(f"[bold]loyalty sandbox[/] running at {running.endpoint_url}")
    table = Table(show_header=True, header_style="bold")
    table.add_column("resource")
    table.add_column("name / URL / ARN", overflow="fold")
    resources = running.resources
    table.add_row("table", resources.table_name)
    table.add_row("booking topic", resources.topic_arn)
    table.add_row("ingest queue", resources.ingest_queue_url)
    table.add_row("dead-letter queue", resources.dead_letter_queue_url)
    table.add_row("aggregate failure queue", resources.failure_queue_url)
    table.add_row("events topic", resources.events_topic_arn)
    console.print(table)
    console.print("Point boto3 and the loyalty CLI at it:")
    for name, value in exports.items():
        console.print(f"  export {name}={value}", soft_wrap=True)
    console.print("Tier changes are shown as they are published. Ctrl-C to stop.")


def print_tier_change(state: CliContext, change: TierChanged) -> None:
    """One published ``TierChanged``: a line for people, or its message body as a JSON line."""
    if state.json:
        import json

        from loyalty.outbound.tier_changed import tier_changed_body

        print(json.dumps(tier_changed_body(change)), flush=True)
        return
    direction = "up" if change.to_tier.rank > change.from_tier.rank else "down"
    state.console().print(
        f"{change.occurred_at}  TierChanged  {change.customer_id}: {change.from_tier.value} -> "
        f"[bold]{change.to_tier.value}[/] ({direction}, {change.qualifying_points:,} qualifying "
        f"points, event {change.event_id})"
    )


class DemoDisplay:
    """Live progress of publishing, ingest and aggregation (stderr; off when not a terminal)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._publish = progress.add_task("published to SNS", total=0)
        self._ingest = progress.add_task("ingested from SQS", total=0)
        self._aggregate = progress.add_task("aggregated from the stream", total=0)

    def __call__(self, now: DemoProgress) -> None:
        self._progress.update(self._publish, total=now.to_publish, completed=now.published)
        self._progress.update(self._ingest, total=now.to_ingest, completed=now.ingested)
        self._progress.update(self._aggregate, total=now.to_aggregate, completed=now.aggregated)


_HAPPENED = {
    "published": "messages published (incl. the replay)",
    "ingested": "bookings ingested (new transactions)",
    "duplicates_ignored": "duplicates and late messages ignored",
    "revoked": "bookings revoked by a cancellation",
    "expired": "fake transactions expired (TTL)",
    "sent_to_dlq": "messages sent to the dead-letter queue",
    "failed_deliveries_retried": "failed deliveries retried by SQS",
    "ingest_batches": "ingest invocations",
    "aggregate_batches": "aggregate invocations",
    "tier_changes": "TierChanged events published",
    "redemptions_committed": "redemptions committed (points spent)",
    "redemptions_cancelled": "redemptions cancelled (hold released)",
    "redemptions_timed_out": "holds timed out before their commit",
    "redemptions_refused": "reserves refused for lack of points",
    "arrears": "points in arrears at the end (revoked after spending)",
}


def print_demo_report(console: Console, report: DemoReport, tiers: TierPolicy) -> None:
    """The demo's customers, what happened, the dead-letter replay and the self-checks."""
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    customers = Table(title="Customers", header_style="bold")
    columns = ("customer", "points", "arrears", "tier", "to next tier", "progress", "as expected")
    for column in columns:
        customers.add_column(column, justify="right" if column in {"points", "arrears"} else "left")
    for row in report.customers:
        # The tier follows qualifying points, which spending does not lower.
        _, done, span = tiers.progress(row["qualifyingPoints"])
        ok = (row["points"], row["level"], row["arrears"]) == (
            row["expectedPoints"],
            row["expectedLevel"],
            row["expectedArrears"],
        )
        customers.add_row(
            row["customerId"],
            f"{row['points']:,}",
            f"{row['arrears']:,}" if row["arrears"] else "-",
            row["level"],
            f"{row['remainingPoints']:,}" if row["remainingPoints"] else "-",
            ProgressBar(total=span, completed=done, width=20),
            "yes" if ok else f"no: {row['expectedPoints']:,}",
        )
    console.print(customers)

    happened = Table(title="What happened", header_style="bold")
    happened.add_column("")
    happened.add_column("count", justify="right")
    for key, label in _HAPPENED.items():
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
