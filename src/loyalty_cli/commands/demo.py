"""``loyalty demo``: a complete booking scenario through the local sandbox, checked at the end."""

from __future__ import annotations

from typing import Annotated

import typer

from loyalty_cli.context import cli_context
from loyalty_cli.errors import CliError, reports_errors
from loyalty_cli.sandbox_console import DemoDisplay, print_demo_report, start_sandbox

__all__ = ["demo"]

_TTL_LAG_SECONDS = 10.0


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
    fake points that expire at their instant before the TTL deletes them, a poison message), has
    one customer redeem (held, committed, cancelled, timed out, refused, a spent booking cancelled
    into arrears), waits for the pipeline to drain, shows customers, counts and tier changes,
    replays the repaired poison message from the DLQ, and exits 0 only if the final state is the
    one the scenario implies.
    """
    state = cli_context(ctx)
    running = start_sandbox(
        state,
        "demo",
        function_environment={"LOYALTY_FAKE_TTL_SECONDS": str(fake_ttl)},
        # Like DynamoDB's TTL (days late), the sweeper deletes expired items late: the demo
        # shows the fake points gone at their expiry while the transactions are still there.
        ttl_lag=_TTL_LAG_SECONDS,
        # The poison message is dead-lettered after maxReceiveCount receives: a second apart.
        visibility_timeout=1,
        log_level="CRITICAL",
    )
    from loyalty_sandbox.demo import DemoError, run_demo, tier_policy
    from loyalty_sandbox.scenario import build_scenario

    scenario = build_scenario(customers=customers, seed=seed)
    try:
        state.note(
            f"sandbox at {running.endpoint_url}; publishing {scenario.messages} messages "
            f"({len(scenario.bookings)} bookings over {len(scenario.customers)} customers)"
        )
        with state.progress() as progress:
            report = run_demo(
                running,
                scenario,
                fake_ttl=fake_ttl,
                ttl_lag=_TTL_LAG_SECONDS,
                timeout=timeout,
                on_progress=DemoDisplay(progress),
                on_note=state.note,
            )
        if state.json:
            state.emit_json(report.as_json())
        else:
            print_demo_report(state.console(), report, tier_policy(running))
    except DemoError as error:
        raise CliError(str(error)) from None
    finally:
        running.stop()
    if report.failed:
        raise CliError(
            "the final state does not match the scenario: "
            + "; ".join(f"{check.name} ({check.detail})" for check in report.failed)
        )
