"""``loyalty ingest FILE``: bulk import of booking events from JSON lines.

Each non-blank line is one booking event as the booking service publishes it
(``{"customerId", "booking": {"id", ...}, "payment": {"amount", ...}}``) with an optional
``"status"`` field, ``"confirmed"`` (the default) or ``"cancelled"``. Lines are validated by the
library exactly as ingest validates SQS messages and written through the same idempotent
``apply_booking``, so importing a file twice changes nothing the second time.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import EXIT_USAGE, CliError, reports_errors
from loyalty_cli.render import ProgressBars, render_ingest

__all__ = ["ingest", "read_lines"]


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
    from loyalty.services.ingest import ingest_lines

    state = cli_context(ctx)
    lines = read_lines(file)
    policy = state.settings().policy
    with ProgressBars(state) as progress:
        result = ingest_lines(
            lines,
            None if dry_run else state.repository(),
            policy=policy,
            workers=workers,
            on_progress=progress,
        )
    render_ingest(state, file, result, dry_run=dry_run)
    if result.rejected:
        raise CliError(f"{len(result.rejected)} line(s) rejected; see the list above")
