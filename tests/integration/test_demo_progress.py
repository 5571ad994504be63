"""The demo's progress is true: counts never pass their totals and end equal to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalty_sandbox.demo import DemoProgress, run_demo
from loyalty_sandbox.scenario import build_scenario
from tests.integration.conftest import FAKE_TTL_SECONDS

if TYPE_CHECKING:
    from loyalty_sandbox import Sandbox


def test_the_demo_reports_progress_that_never_overshoots_and_completes(sandbox: Sandbox) -> None:
    seen: list[DemoProgress] = []
    report = run_demo(
        sandbox,
        build_scenario(customers=6, seed=7),
        fake_ttl=FAKE_TTL_SECONDS,
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
