"""``loyalty replay-dlq``: drain the dead-letter queue back into processing.

What is deleted, kept and released is the library's :func:`loyalty.services.replay.replay_dlq`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import EXIT_USAGE, CliError, reports_errors
from loyalty_cli.render import ProgressBars, render_replay
from loyalty_cli.replay_checks import name_queues_in_errors

__all__ = ["replay_dlq"]


@reports_errors
def replay_dlq(
    ctx: typer.Context,
    dlq_url: Annotated[
        str | None,
        typer.Option(help="Dead-letter queue (URL or name).", envvar="LOYALTY_DLQ_URL"),
    ] = None,
    queue_url: Annotated[
        str | None,
        typer.Option(
            help="Queue to re-queue into (URL or name); default: the DLQ's only source queue.",
            envvar="LOYALTY_QUEUE_URL",
        ),
    ] = None,
    direct: Annotated[
        bool,
        typer.Option(
            metavar="", help="Ingest in-process through the library instead of re-queueing."
        ),
    ] = False,
    max_messages: Annotated[
        int, typer.Option(min=0, help="Stop after this many messages (0: until the DLQ is empty).")
    ] = 0,
    dry_run: Annotated[
        bool,
        typer.Option(
            metavar="",
            help="List what would be replayed. Messages are received (hidden for a moment, "
            "receive count +1) and made visible again at once; nothing is sent or deleted.",
        ),
    ] = False,
    visibility_timeout: Annotated[
        int, typer.Option(min=1, max=43_200, help="Seconds a message stays hidden while replayed.")
    ] = 120,
    wait_seconds: Annotated[
        int, typer.Option(min=0, max=20, help="Long-poll wait before deciding the DLQ is empty.")
    ] = 2,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", metavar="", help="Do not ask for confirmation.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            metavar="",
            help="Re-queue also the messages ingest would reject again (they return to the DLQ).",
        ),
    ] = False,
) -> None:
    """Move dead-lettered booking messages back into processing, 10 at a time.

    Default: re-queue each message (body and attributes) to the source queue, except those ingest
    would reject again (unless --force). --direct: ingest in-process as the Lambda would. Only
    messages re-queued or ingested are deleted from the DLQ; the others stay and are listed with
    their reason (exit status 1).
    """
    from loyalty.services.replay import replay_dlq as replay

    if not dlq_url:
        raise CliError("no dead-letter queue: pass --dlq-url or set LOYALTY_DLQ_URL", EXIT_USAGE)
    state = cli_context(ctx)
    table = f"table {state.table_name()}" if direct else ""
    with ProgressBars(state) as progress:
        report = replay(
            name_queues_in_errors(state.sqs()),
            dlq_url,
            queue=queue_url,
            repository=state.repository() if direct else None,
            policy=state.settings().policy if direct else None,
            max_messages=max_messages,
            dry_run=dry_run,
            visibility_timeout=visibility_timeout,
            wait_seconds=wait_seconds,
            force=force,
            approve=lambda plan: progress.confirm(
                f"Replay about {plan.waiting} message(s) from {plan.dlq_url} into "
                f"{plan.target or table}?",
                yes=yes,
            ),
            on_progress=progress,
        )
    render_replay(state, report, report.plan.target or table)
    if report.failures:
        raise CliError(f"{len(report.failures)} message(s) still failing; they stay in the DLQ")
