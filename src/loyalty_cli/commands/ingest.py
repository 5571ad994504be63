"""``loyalty ingest FILE``: bulk import of booking events from JSON lines.

Each non-blank line is one booking event as the booking service publishes it
(``{"customerId", "booking": {"id", ...}, "payment": {"amount", ...}}``) with an optional
``"status"`` field, ``"confirmed"`` (the default) or ``"cancelled"``. Lines are validated by the
library exactly as ingest validates SQS messages and written through the same idempotent
``apply_booking``, so importing a file twice changes nothing the second time.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalty_cli.context import CliContext, cli_context
from loyalty_cli.errors import EXIT_USAGE, CliError, describe, reports_errors

if TYPE_CHECKING:
    from loyalty.inbound.sqs import BookingMessage

__all__ = ["ingest", "read_lines"]

# Outcomes of apply_booking summarised the way operators read them.
_SUMMARY = {
    "created": "new",
    "duplicate": "duplicate",
    "confirm_after_cancel": "duplicate",
    "already_revoked": "duplicate",
    "revoked": "revoked",
    "revoked_before_confirm": "revoked",
}


def read_lines(path: str) -> list[str]:
    """The lines of ``path``, or of stdin for ``-``."""
    if path == "-":
        return sys.stdin.read().splitlines()
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read().splitlines()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}", EXIT_USAGE) from None
    except UnicodeDecodeError as error:
        raise CliError(f"cannot read {path}: not UTF-8 text ({error.reason})", EXIT_USAGE) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_line(line: str) -> BookingMessage:
    from loyalty.errors import InvalidBookingMessage
    from loyalty.inbound.sqs import parse_booking_body

    try:
        body = json.loads(line, parse_constant=_reject_constant)
    except ValueError as error:
        raise InvalidBookingMessage.single("line", f"is not valid JSON ({error})") from None
    return parse_booking_body(body)


@reports_errors
def ingest(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="JSON-lines file of booking events; - for stdin.")],
    dry_run: Annotated[
        bool, typer.Option(metavar="", help="Validate every line; write nothing.")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Concurrent writes.")] = 8,
) -> None:
    """Import booking events (JSON lines, optional "status": confirmed|cancelled) idempotently.

    Invalid lines are listed with their line number and reason and the exit status is 1; the
    valid lines are written regardless. Re-running the same file is safe.
    """
    from loyalty.errors import InvalidBookingMessage
    from loyalty.services.ingest import apply_booking
    from loyalty_cli.concurrency import run_bounded

    state = cli_context(ctx)
    lines = read_lines(file)
    policy = state.settings().policy
    valid: list[tuple[int, BookingMessage]] = []
    rejected: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            valid.append((number, _parse_line(line)))
        except InvalidBookingMessage as error:
            rejected.append({"line": number, "reason": str(error)})
    outcomes: Counter[str] = Counter()
    if not dry_run and valid:
        repository = state.repository()

        def write(item: tuple[int, BookingMessage]) -> str:
            return apply_booking(item[1], repository, policy).value

        written = 0
        with state.progress() as progress:
            task = progress.add_task("ingesting", total=len(valid))
            try:
                for _, outcome in run_bounded(write, valid, workers=workers):
                    outcomes[outcome] += 1
                    written += 1
                    progress.advance(task)
            except Exception as error:
                failure = describe(error, table=state.table)
                if failure is None:
                    raise
                raise CliError(
                    f"{failure} (stopped after {written} of {len(valid)} writes; "
                    "re-running is safe, ingest is idempotent)"
                ) from error
    summary: Counter[str] = Counter({"new": 0, "duplicate": 0, "revoked": 0})
    for outcome, count in outcomes.items():
        summary[_SUMMARY[outcome]] += count
    summary["rejected"] = len(rejected)
    _report(state, file, dry_run, len(valid), summary, outcomes, rejected)
    if rejected:
        raise CliError(f"{len(rejected)} line(s) rejected; see the list above")


def _report(
    state: CliContext,
    file: str,
    dry_run: bool,
    valid: int,
    summary: Counter[str],
    outcomes: Counter[str],
    rejected: list[dict[str, Any]],
) -> None:
    if state.json:
        state.emit_json(
            {
                "file": file,
                "dryRun": dry_run,
                "valid": valid,
                "summary": dict(summary),
                "outcomes": dict(outcomes),
                "rejected": rejected,
            }
        )
        return
    from rich.table import Table

    console = state.console()
    if dry_run:
        console.print(f"Dry run: {valid} valid line(s), {len(rejected)} rejected; nothing written.")
    else:
        source = "stdin" if file == "-" else file
        counts = Table(title=f"Ingested {source}", title_justify="left")
        counts.add_column("outcome")
        counts.add_column("count", justify="right")
        for name, count in summary.items():
            counts.add_row(name, str(count))
        console.print(counts)
    if rejected:
        lines = Table(title="Rejected lines", title_justify="left")
        lines.add_column("line", justify="right")
        lines.add_column("reason", overflow="fold")
        for entry in rejected:
            lines.add_row(str(entry["line"]), entry["reason"])
        console.print(lines)
