"""``loyalty sandbox``: the whole pipeline on a local emulator until Ctrl-C."""

from __future__ import annotations

import gc
import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import reports_errors
from loyalty_cli.sandbox_console import print_resources, print_tier_change, start_sandbox

if TYPE_CHECKING:
    from loyalty_sandbox import Sandbox

__all__ = ["sandbox"]


def _exports(running: Sandbox) -> dict[str, str]:
    resources = running.resources
    return {
        **running.environment(),
        "LOYALTY_QUEUE_URL": resources.ingest_queue_url,
        "LOYALTY_DLQ_URL": resources.dead_letter_queue_url,
        "LOYALTY_TOPIC_ARN": resources.topic_arn,
        "LOYALTY_EVENTS_TOPIC_ARN": resources.events_topic_arn,
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

    Provisions what template.yaml declares (table, topics, queues, subscription) and runs the real
    Lambda handlers behind local pollers; prints the exports that point boto3 and `loyalty` at it,
    then each TierChanged event as it is published.
    """
    state = cli_context(ctx)
    running = start_sandbox(state, "sandbox", port=port, prefix="loyalty", log_level=log_level)
    stopped = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stopped.set()

    # Ctrl-C and SIGTERM both ask the loop below to end: a KeyboardInterrupt could land anywhere,
    # even between two statements that print, and skip the orderly stop.
    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        exports = _exports(running)
        if state.json:
            state.emit_json({"endpointUrl": running.endpoint_url, "environment": exports})
        else:
            print_resources(state.console(), running, exports)
        while not stopped.wait(0.5):
            for change in running.tier_changes():
                print_tier_change(state, change)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
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
