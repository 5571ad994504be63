"""The sandbox's polling threads stop promptly and never hold up a stop for long."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from loyalty_sandbox.workers import PollingWorker

if TYPE_CHECKING:
    import pytest


class _Stuck(PollingWorker):
    """A round that never ends by itself (a handler hung on the network)."""

    def __init__(self) -> None:
        super().__init__("stuck", idle_wait=0.0)
        self.entered = threading.Event()
        self.release = threading.Event()

    def poll_once(self) -> bool:
        self.entered.set()
        self.release.wait()
        return False


class _Idle(PollingWorker):
    def __init__(self) -> None:
        super().__init__("idle", idle_wait=60.0)
        self.rounds = 0

    def poll_once(self) -> bool:
        self.rounds += 1
        return False


def test_a_stop_request_ends_an_idle_wait_at_once() -> None:
    worker = _Idle()
    worker.start()
    while worker.rounds == 0:
        time.sleep(0.01)

    worker.request_stop()

    assert worker.join(time.monotonic() + 2.0)
    assert worker.rounds == 1


def test_a_round_that_overruns_the_stop_deadline_is_left_behind_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = _Stuck()
    worker.start()
    assert worker.entered.wait(2.0)

    worker.request_stop()
    started = time.monotonic()
    ended = worker.join(time.monotonic() + 0.2)

    assert not ended
    assert time.monotonic() - started < 2.0
    assert "sandbox-stuck still busy when stopping; left behind" in caplog.text
    worker.release.set()
    assert worker.join(time.monotonic() + 2.0)
