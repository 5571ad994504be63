"""Everything the commands print: tables for people, JSON for scripts, progress bars on stderr."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from types import TracebackType

    from rich.progress import Progress, TaskID
    from rich.table import Table

    from loyalty.domain.aggregates import CustomerSummary
    from loyalty.domain.redemptions import Redemption
    from loyalty.domain.tiers import TierPolicy
    from loyalty.domain.transactions import Transaction
    from loyalty.services.backfill import BackfillResult
    from loyalty.services.fake_traffic import FakeTraffic
    from loyalty.services.ingest import LinesResult
    from loyalty.services.read import CustomerOverview, RedemptionAction
    from loyalty.services.replay import ReplayReport
    from loyalty.services.revoke import Revocation
    from loyalty_cli.context import CliContext

__all__ = [
    "ProgressBars",
    "format_duration",
    "lot_of",
    "redemption_json",
    "redemptions_table",
    "render_backfill",
    "render_fake_traffic",
    "render_ingest",
    "render_ledger",
    "render_overview",
    "render_redemption",
    "render_replay",
    "render_revocation",
    "time_left",
    "transaction_json",
    "transactions_table",
]

_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def format_duration(seconds: int) -> str:
    """Format a non-negative duration with its two largest units: ``1d 4h``, ``5m 3s``."""
    parts: list[str] = []
    remaining = max(seconds, 0)
    for unit, size in _UNITS:
        amount, remaining = divmod(remaining, size)
        if amount or (unit == "s" and not parts):
            parts.append(f"{amount}{unit}")
        if len(parts) == 2:
            break
    return " ".join(parts)


def lot_of(expires_at: int) -> str:
    """The lot a transaction's points sit in: its expiry instant, ISO 8601 UTC."""
    from datetime import UTC, datetime

    from loyalty.domain.clock import format_timestamp

    return format_timestamp(datetime.fromtimestamp(expires_at, UTC))


def time_left(expires_at: int, now: float) -> str:
    """How long until an expiry, or how long ago it passed."""
    seconds = int(expires_at - now)
    if seconds > 0:
        return f"in {format_duration(seconds)}"
    return f"due {format_duration(-seconds)} ago"


def transaction_json(transaction: Transaction, now: float) -> dict[str, Any]:
    """A transaction as a JSON object, with its lot and the seconds left before it expires."""
    return {
        "transactionId": transaction.transaction_id,
        "customerId": transaction.customer_id,
        "bookingId": transaction.booking_id,
        "points": transaction.points,
        "status": transaction.status.value,
        "createdAt": transaction.created_at,
        "expiresAt": transaction.expires_at,
        "lot": lot_of(transaction.expires_at),
        "secondsLeft": int(transaction.expires_at - now),
        "fake": transaction.fake,
        "revokedAt": transaction.revoked_at,
        "correlationId": transaction.correlation_id,
    }


def transactions_table(transactions: list[Transaction], now: float, *, title: str) -> Table:
    """A Rich table of transactions in the given order."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("created (UTC)")
    table.add_column("booking", overflow="fold")
    table.add_column("points", justify="right")
    table.add_column("status")
    table.add_column("lot (UTC)")
    table.add_column("expires")
    for transaction in transactions:
        status = transaction.status.value + (" (fake)" if transaction.fake else "")
        table.add_row(
            transaction.created_at,
            transaction.booking_id,
            f"{transaction.points:,}",
            status,
            lot_of(transaction.expires_at),
            time_left(transaction.expires_at, now),
        )
    return table


def redemption_json(redemption: Redemption, now: float) -> dict[str, Any]:
    """A redemption as a JSON object, with its status at ``now`` (``EXPIRED``: a hold that timed
    out) and where its points came from."""
    from datetime import UTC, datetime

    return {
        "redemptionId": redemption.redemption_id,
        "customerId": redemption.customer_id,
        "points": redemption.points,
        "status": redemption.status_at(datetime.fromtimestamp(now, UTC)).value,
        "holdExpiresAt": redemption.hold_expires_at_iso,
        "allocation": [
            {"lot": lot_of(expiry), "points": points} for expiry, points in redemption.allocation
        ],
        "createdAt": redemption.created_at,
        "updatedAt": redemption.updated_at,
    }


def _holds(redemptions: Sequence[Redemption], now: float) -> list[dict[str, Any]]:
    """The holds still counting at ``now``: redemption id, points, hold expiry."""
    return [
        {
            "redemptionId": r["redemptionId"],
            "points": r["points"],
            "holdExpiresAt": r["holdExpiresAt"],
        }
        for r in (redemption_json(redemption, now) for redemption in redemptions)
        if r["status"] == "HELD"
    ]


def redemptions_table(redemptions: Sequence[Redemption], now: float) -> Table:
    """A Rich table of redemptions in the given order; a hold shows when it times out."""
    from datetime import UTC, datetime

    from rich.table import Table

    at = datetime.fromtimestamp(now, UTC)
    table = Table(title="Redemptions", title_justify="left")
    table.add_column("created (UTC)")
    table.add_column("redemption", overflow="fold")
    table.add_column("points", justify="right")
    table.add_column("status")
    table.add_column("hold expires")
    for redemption in redemptions:
        status = redemption.status_at(at)
        held = status.value == "HELD"
        table.add_row(
            redemption.created_at,
            redemption.redemption_id,
            f"{redemption.points:,}",
            status.value,
            time_left(redemption.hold_expires_at, now) if held else "",
        )
    return table


def _print_redemptions(
    state: CliContext, redemptions: Sequence[Redemption], arrears: int, now: float
) -> None:
    console = state.console()
    if redemptions:
        console.print(redemptions_table(redemptions, now))
    if arrears:
        console.print(
            f"arrears: {arrears:,} points revoked after they were spent; points that come back "
            "(earnings, released holds, refunds) repay them before they can be spent"
        )


class ProgressBars:
    """A service's ``on_progress`` as one transient bar per stage on stderr.

    A stage's bar closes when the next stage starts, and before a question is asked.
    """

    def __init__(self, state: CliContext) -> None:
        self._state = state
        self._live: Progress | None = None
        self._stage: str | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if self._live is None or self._task is None or stage != self._stage:
            self.close()
            self._live, self._stage = self._state.progress(), stage
            self._live.start()
            self._task = self._live.add_task(stage, total=total)
        self._live.update(self._task, completed=done, total=total)

    def close(self) -> None:
        """Remove the current bar."""
        if self._live is not None:
            self._live.stop()
        self._live = self._stage = self._task = None

    def confirm(self, question: str, *, yes: bool) -> None:
        """Close the bar and ask (see :meth:`CliContext.confirm`)."""
        self.close()
        self._state.confirm(question, yes=yes)


def render_ledger(state: CliContext, customer: str, overview: CustomerOverview, limit: int) -> None:
    """``transactions``: the newest ``limit`` transactions (0: all), each with its lot, the
    ledger balance now, the redemptions (holds with their timeout) and arrears."""
    ledger, unreadable, now = overview.ledger, overview.unreadable, overview.at.timestamp()
    state.warn_unreadable(unreadable)
    shown = ledger[:limit] if limit else ledger
    arrears = overview.summary.arrears
    if state.json:
        state.emit_json(
            {
                "customerId": customer,
                "balance": overview.balance,
                "count": len(ledger),
                "transactions": [transaction_json(t, now) for t in shown],
                "holds": _holds(overview.redemptions, now),
                "redemptions": [redemption_json(r, now) for r in overview.redemptions],
                "arrears": arrears,
                "unreadable": [str(error) for error in unreadable],
            }
        )
        return
    console = state.console()
    if not ledger:
        console.print(f"No transactions for customer {customer}.")
    else:
        console.print(transactions_table(shown, now, title=f"Transactions of {customer}"))
        if len(shown) < len(ledger):
            console.print(f"showing {len(shown)} of {len(ledger)} (use --limit 0 for all)")
        console.print(f"ledger balance (ACTIVE, not yet expired): {overview.balance:,} points")
    _print_redemptions(state, overview.redemptions, arrears, now)


def render_overview(
    state: CliContext, customer: str, overview: CustomerOverview, tiers: TierPolicy, last: int
) -> None:
    """``show``: spendable and qualifying points, tier, the way to the next tier, the next
    expiring lots and the ``last`` transactions."""
    state.warn_unreadable(overview.unreadable)
    summary, ledger, now = overview.summary, overview.ledger, overview.at.timestamp()
    next_tier, done, span = tiers.progress(summary.qualifying_points)
    if state.json:
        state.emit_json(
            {
                **summary.as_response(),
                "customerId": customer,
                "nextLevel": next_tier.value if next_tier else None,
                "ledgerBalance": overview.balance,
                "transactions": [transaction_json(t, now) for t in ledger[:last]],
                "holds": _holds(overview.redemptions, now),
                "redemptions": [redemption_json(r, now) for r in overview.redemptions],
                "unreadable": [str(error) for error in overview.unreadable],
            }
        )
        return
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    console = state.console()
    grid = Table.grid(padding=(0, 2))
    grid.add_row("customer", customer)
    grid.add_row("spendable points", f"{summary.points:,}")
    grid.add_row("held points", f"{summary.held_points:,}")
    if summary.arrears:
        grid.add_row("arrears", f"{summary.arrears:,} (repaid first by points that come back)")
    grid.add_row("qualifying points", f"{summary.qualifying_points:,}")
    grid.add_row("tier", summary.tier.value)
    if next_tier is None:
        grid.add_row("next tier", "none: top tier reached")
    else:
        grid.add_row("next tier", f"{next_tier.value} in {summary.remaining_points:,} points")
    # The percentage too: without colour the unfilled part of the bar is blank.
    bar = Table.grid(padding=(0, 1))
    bar.add_row(ProgressBar(total=span, completed=done, width=40), f"{100 * done // span}%")
    grid.add_row("progress", bar)
    for n, lot in enumerate(summary.expiring):
        grid.add_row(
            "next expiring" if n == 0 else "",
            f"{lot.remaining:,} points at {lot_of(lot.expires_at)} "
            f"({time_left(lot.expires_at, now)})",
        )
    console.print(grid)
    if overview.balance != summary.qualifying_points:
        console.print(
            f"note: the ledger holds {overview.balance:,} points; the aggregate may lag the "
            f"stream or have drifted (check with: loyalty backfill --customer {customer} "
            "--dry-run)"
        )
    if ledger and last:
        console.print(transactions_table(ledger[:last], now, title="Latest transactions"))
    if overview.redemptions:
        console.print(redemptions_table(overview.redemptions, now))


def render_revocation(state: CliContext, revocation: Revocation, *, dry_run: bool) -> None:
    """``revoke``: what was found and what happened to it."""
    found, outcome = revocation.transaction, revocation.outcome
    booking, customer = found.booking_id, found.customer_id
    if state.json:
        state.emit_json(
            {
                "customerId": customer,
                "bookingId": booking,
                "points": found.points,
                "statusBefore": found.status.value,
                "outcome": outcome,
                "dryRun": dry_run,
            }
        )
        return
    messages = {
        "already_revoked": f"Booking {booking} of {customer} is already revoked; nothing to do.",
        "would_revoke": f"Dry run: would revoke booking {booking} of {customer} "
        f"({found.points:,} points).",
        "revoked": f"Revoked booking {booking} of {customer} ({found.points:,} points).",
    }
    state.console().print(messages.get(outcome, f"Booking {booking} of {customer}: {outcome}."))


_DONE = {"reserve": "Held", "commit": "Committed", "cancel": "Cancelled"}
_WOULD = {"reserve": "would hold", "commit": "would commit", "cancel": "would cancel"}


def render_redemption(
    state: CliContext,
    action: RedemptionAction,
    redemption: Redemption,
    summary: CustomerSummary | None,
    *,
    dry_run: bool,
) -> None:
    """``redeem``: the redemption as the call left it (or, on a dry run, would leave it, with the
    customer's points then)."""
    import time

    now = time.time()
    if state.json:
        body = {"action": action, "dryRun": dry_run, **redemption_json(redemption, now)}
        if summary is not None:
            body["summary"] = summary.as_response()
        state.emit_json(body)
        return
    status = redemption_json(redemption, now)["status"]
    if status == "HELD":
        status += f" until {redemption.hold_expires_at_iso}"
    what = (
        f"redemption {redemption.redemption_id} of {redemption.customer_id} "
        f"({redemption.points:,} points, {status})"
    )
    console = state.console()
    if dry_run:
        console.print(f"Dry run: {_WOULD[action]} {what}; nothing was written.")
    else:
        console.print(f"{_DONE[action]} {what}.")
    if summary is not None:
        console.print(
            f"then: {summary.points:,} spendable, {summary.held_points:,} held, "
            f"{summary.arrears:,} arrears"
        )


# Outcomes of apply_booking summarised the way operators read them.
_SUMMARY = {
    "created": "new",
    "duplicate": "duplicate",
    "confirm_after_cancel": "duplicate",
    "already_revoked": "duplicate",
    "revoked": "revoked",
    "revoked_before_confirm": "revoked",
}


def render_ingest(state: CliContext, file: str, result: LinesResult, *, dry_run: bool) -> None:
    """``ingest``: outcome counts (new, duplicate, revoked, rejected) and the rejected lines."""
    summary: Counter[str] = Counter({"new": 0, "duplicate": 0, "revoked": 0})
    for outcome, count in result.outcomes.items():
        summary[_SUMMARY[outcome]] += count
    summary["rejected"] = len(result.rejected)
    if state.json:
        state.emit_json(
            {
                "file": file,
                "dryRun": dry_run,
                "valid": result.valid,
                "summary": dict(summary),
                "outcomes": dict(result.outcomes),
                "rejected": [{"line": r.line, "reason": r.reason} for r in result.rejected],
            }
        )
        return
    console = state.console()
    if dry_run:
        console.print(
            f"Dry run: {result.valid} valid line(s), {len(result.rejected)} rejected; "
            "nothing written."
        )
    else:
        source = "stdin" if file == "-" else file
        console.print(_rows(f"Ingested {source}", ("outcome", "count"), summary.items()))
    if result.rejected:
        rows = [(r.line, r.reason) for r in result.rejected]
        console.print(_rows("Rejected lines", ("line", "reason"), rows))


def render_backfill(state: CliContext, result: BackfillResult) -> None:
    """``backfill``: each drifted customer, stored against ledger, and what was done."""
    drifted = result.drifted
    actions = Counter(drift.action for drift in drifted)
    state.warn_unreadable(result.unreadable)
    if state.json:
        state.emit_json(
            {
                "dryRun": result.dry_run,
                "checked": result.checked,
                "drifted": len(drifted),
                "fixed": actions["fixed"],
                "conflicts": actions["conflict"],
                "inFlight": actions["in_flight"],
                "customers": [
                    {
                        "customerId": drift.customer_id,
                        "stored": drift.stored,
                        "ledger": drift.ledger,
                        "drift": drift.ledger - drift.stored,
                        "action": drift.action,
                        "upgrade": drift.upgrade,
                        "inFlight": drift.in_flight,
                    }
                    for drift in drifted
                ],
                "unreadable": [str(error) for error in result.unreadable],
            }
        )
        return
    console = state.console()
    if not drifted:
        console.print(f"No drift: {result.checked} customer(s) checked.")
        return
    rows = [
        (
            d.customer_id,
            f"{d.stored:,}",
            f"{d.ledger:,}",
            f"{d.ledger - d.stored:+,}",
            d.action + (" (v1 upgrade)" if d.upgrade else ""),
        )
        for d in drifted
    ]
    title = f"Drift in {len(drifted)} of {result.checked} customer(s)"
    console.print(_rows(title, ("customer", "stored", "ledger", "drift", "action"), rows))
    if result.dry_run:
        console.print("Dry run: nothing was written.")


def render_replay(state: CliContext, report: ReplayReport, target: str) -> None:
    """``replay-dlq``: the dry run's verdicts, or what was replayed and what still fails."""
    dlq = report.plan.dlq_url
    if state.json:
        state.emit_json(
            {
                "mode": "requeue" if report.plan.target else "direct",
                "dryRun": report.dry_run,
                "dlqUrl": dlq,
                "target": target,
                "received": report.received,
                "replayed": report.replayed,
                "stillFailing": len(report.failures),
                "outcomes": dict(report.outcomes),
                "failures": [
                    {"messageId": f.message_id, "reason": f.reason} for f in report.failures
                ],
                "replayedButNotDeleted": [
                    {"messageId": f.message_id, "reason": f.reason} for f in report.not_deleted
                ],
                "messages": [
                    {"messageId": p.message_id, "verdict": p.reason, "body": p.body}
                    for p in report.preview
                ],
            }
        )
        return
    console = state.console()
    if report.dry_run:
        rows = [(p.message_id, p.reason, p.body) for p in report.preview]
        title = f"Dry run: {report.received} message(s) in {dlq}"
        console.print(_rows(title, ("message id", "verdict", "body"), rows))
        return
    console.print(
        f"Replayed {report.replayed} of {report.received} message(s) from {dlq} into {target}; "
        f"{len(report.failures)} still failing."
    )
    if report.outcomes:
        counts = ", ".join(f"{name} {count}" for name, count in sorted(report.outcomes.items()))
        console.print(f"outcomes: {counts}")
    if report.failures:
        failing = [(f.message_id, f.reason) for f in report.failures]
        console.print(_rows("Still failing (left in the DLQ)", ("message id", "reason"), failing))
    for entry in report.not_deleted:
        console.print(
            f"replayed but not deleted from the DLQ (a later replay repeats it harmlessly): "
            f"{entry.message_id}: {entry.reason}"
        )


def render_fake_traffic(
    state: CliContext, traffic: FakeTraffic, description: str, *, dry_run: bool
) -> None:
    """``fake issue``: each fake transaction and its write's outcome."""
    outcomes = {booking: outcome.value for booking, outcome in traffic.outcomes.items()}
    planned = traffic.transactions
    if state.json:
        rows_json: list[dict[str, object]] = [
            {
                "customerId": t.customer_id,
                "bookingId": t.booking_id,
                "points": t.points,
                "expiresAt": t.expires_at,
                "outcome": outcomes.get(t.booking_id, "dry_run"),
            }
            for t in planned
        ]
        state.emit_json({"dryRun": dry_run, "transactions": rows_json})
        return
    rows = [
        (t.customer_id, t.booking_id, f"{t.points:,}", outcomes.get(t.booking_id, "dry_run"))
        for t in planned
    ]
    title = f"{'Dry run: would write' if dry_run else 'Wrote'} {description}"
    state.console().print(_rows(title, ("customer", "booking", "points", "outcome"), rows))


_RIGHT_ALIGNED = frozenset({"count", "line", "points", "stored", "ledger", "drift"})


def _rows(title: str, columns: tuple[str, ...], rows: Iterable[Sequence[object]]) -> Table:
    """A left-titled table; numeric columns right-aligned, long text folded."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(
            column, justify="right" if column in _RIGHT_ALIGNED else "left", overflow="fold"
        )
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    return table
