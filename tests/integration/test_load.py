"""A load run through the sandbox: thousands of events over hundreds of customers reconcile."""

from __future__ import annotations

import json
import random
import time
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from loyalty_cli.app import app
from loyalty_sandbox import Sandbox
from tests.integration.pipeline import publish, reconcile, scenario, unique

if TYPE_CHECKING:
    from collections.abc import Iterator

# A minute and more at the emulator's throughput: left out of the fast loop (pytest -m "not slow").
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    # No poison here: a longer visibility timeout keeps slow batches under load from being
    # redelivered while still in progress (harmless, but wasted work).
    with Sandbox(visibility_timeout=30, ttl_interval=5) as running:
        yield running


def test_two_thousand_events_over_two_hundred_customers_drain_and_backfill_reports_zero_drift(
    sandbox: Sandbox,
) -> None:
    run = scenario(
        random.Random(5), unique("load"), customers=200, bookings=8, duplicates=0.2, cancels=0.15
    )
    assert len(run.messages) >= 2_000
    started = time.monotonic()
    publish(sandbox, run.messages, max_backlog=150)
    sandbox.drain(timeout=240)
    elapsed = time.monotonic() - started

    ledger = reconcile(sandbox, run.expected)
    assert ledger.drift == {}
    assert {c: ledger.balances.get(c, 0) for c in run.expected} == run.expected
    assert set(ledger.transactions_per_booking.values()) == {1}
    # The operator's check agrees: the whole table, scanned in parallel segments.
    result = CliRunner().invoke(
        app,
        ["--output", "json", "backfill", "--dry-run"],
        env=sandbox.environment(),
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["drifted"] == 0
    assert report["checked"] == len(run.expected)
    print(f"{len(run.messages)} events drained in {elapsed:.1f}s")
