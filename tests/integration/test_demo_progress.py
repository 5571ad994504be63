"""The demo's progress is true: counts never pass their totals and end equal to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from loyalty_sandbox import Sandbox
from loyalty_sandbox.demo import DemoProgress, run_demo
from loyalty_sandbox.scenario import build_scenario
from tests.integration.conftest import FAKE_TTL_SECONDS

if TYPE_CHECKING:
    from collections.abc import Iterator

TTL_LAG_SECONDS = 15.0


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    # The demo checks that fake points stop counting at their expiry while the transactions are
    # still in the table: its TTL sweeper lags behind expiry, as DynamoDB's does, by more than the
    # waves take to drain (the fakes expire during the second).
    with Sandbox(
        visibility_timeout=1,
        ttl_interval=0.5,
        ttl_lag=TTL_LAG_SECONDS,
        function_environment={"LOYALTY_FAKE_TTL_SECONDS": str(FAKE_TTL_SECONDS)},
    ) as running:
        yield running


def test_the_demo_reports_progress_that_never_overshoots_and_completes(sandbox: Sandbox) -> None:
    seen: list[DemoProgress] = []
    report = run_demo(
        sandbox,
        build_scenario(customers=6, seed=7),
        fake_ttl=FAKE_TTL_SECONDS,
        ttl_lag=TTL_LAG_SECONDS,
        timeout=60,
        on_progress=seen.append,
        on_note=lambda _: None,
    )

    assert not report.failed, report.failed
    for progress in seen:
        assert progress.published <= progress.to_publish
        assert progress.ingested <= progress.to_ingest, progress
        assert progress.aggregated <= progress.to_aggregate, progress
    last = seen[-1]
    assert last.published == last.to_publish > 0
    assert last.ingested == last.to_ingest == last.to_publish + 1  # and the replayed poison
    assert last.aggregated == last.to_aggregate > 0
