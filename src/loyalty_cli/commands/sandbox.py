"""``loyalty sandbox``: the whole pipeline on a local emulator until Ctrl-C."""

from __future__ import annotations

import gc
import signal
import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import CliError, reports_errors
from loyalty_cli.extras import require_sandbox

if TYPE_CHECKING:
    from loyalty_cli.context import CliContext
    from loyalty_sandbox import Sandbox

__all__ = ["sandbox", "start_sandbox"]


def start_sandbox(state: CliContext, **options: Any) -> Sandbox:
    """Start a :class:`~loyalty_sandbox.Sandbox`, with a one-line error if it cannot."""
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


def _exports(running: Sandbox) -> dict[str, str]:
    resources = running.resources
    return {
        **running.environment(),
        "LOYALTY_QUEUE_URL": resources.ingest_queue_url,
        "LOYALTY_DLQ_URL": resources.dead_letter_queue_url,
        "LOYALTY_TOPIC_ARN": resources.topic_arn,
    }


@reports_errors
def sandbox(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option(min=0, max=65_535, help="Port on 127.0.0.1 (0: a free one).")
    ] = 0,
    log_level: Annotated[
        str, typer.Option(help="Log level of the Lambda handlers (their logs go to stdout).")
    ] = "WARNING",
) -> None:
    """Run the pipeline locally (emulated AWS on 127.0.0.1) until Ctrl-C.

    Provisions what template.yaml declares (table, topic, queues, subscription) and runs the real
    Lambda handlers behind local pollers; prints the exports that point boto3 and `loyalty` at it.
    """
    require_sandbox("sandbox")
    state = cli_context(ctx)
    running = start_sandbox(state, port=port, prefix="loyalty", log_level=log_level)
    stopped = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stopped.set()

    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        exports = _exports(running)
        if state.json:
            state.emit_json({"endpointUrl": running.endpoint_url, "environment": exports})
        else:
            from rich.table import Table

            console = state.console()
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
            console.print(table)
            console.print("Point boto3 and the loyalty CLI at it:")
            for name, value in exports.items():
                console.print(f"  export {name}={value}", soft_wrap=True)
            console.print("Ctrl-C to stop.")
        try:
            while not stopped.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        counters = running.counters()
        running.stop()
        # The process exits next, and its final garbage collections would walk the emulator's
        # whole state object by object: tens of seconds on a long-used sandbox. Nothing of it
        # needs collecting any more.
        gc.freeze()
    state.note(
        "sandbox stopped: "
        f"{counters['ingest'].get('messages_deleted', 0)} message(s) ingested, "
        f"{counters['aggregate'].get('records_delivered', 0)} stream record(s) aggregated, "
        f"{counters['ttl'].get('expired', 0)} expired"
    )
