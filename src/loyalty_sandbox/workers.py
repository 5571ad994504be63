"""Background polling threads shared by the sandbox's pollers and TTL sweeper."""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod

__all__ = ["STOP_TIMEOUT", "PollingWorker"]

_ERROR_BACKOFF_SECONDS = 0.5

STOP_TIMEOUT = 5.0
"""Seconds a stopping sandbox waits for its workers' rounds in progress before leaving them."""


class PollingWorker(ABC):
    """Runs :meth:`poll_once` on daemon threads until :meth:`request_stop`.

    A poll that reports no work waits ``idle_wait`` seconds before the next one; a poll that
    raises is logged and retried after a short backoff, so one emulator hiccup never kills the
    loop. ``self._stop`` is set once stopping: long rounds check it between steps so a stop takes
    effect promptly, and the threads are daemons so a round that still overruns never holds up
    the process's exit.
    """

    def __init__(self, name: str, *, idle_wait: float, threads: int = 1) -> None:
        self._idle_wait = idle_wait
        self._logger = logging.getLogger(f"loyalty_sandbox.{name}")
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=self._run,
                name=f"sandbox-{name}" + (f"-{index}" if threads > 1 else ""),
                daemon=True,
            )
            for index in range(max(1, threads))
        ]

    @abstractmethod
    def poll_once(self) -> bool:
        """Do one round of work; return True if there may be more right away."""

    def start(self) -> None:
        """Start polling in the background."""
        for thread in self._threads:
            thread.start()

    def request_stop(self) -> None:
        """Ask the threads to stop after their round in progress, without waiting."""
        self._stop.set()

    def join(self, deadline: float) -> bool:
        """Wait until the threads end or ``deadline`` (``time.monotonic``); True if they ended."""
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        busy = [thread.name for thread in self._threads if thread.is_alive()]
        if busy:
            self._logger.warning("%s still busy when stopping; left behind", ", ".join(busy))
        return not busy

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.poll_once()
            except Exception:
                if self._stop.is_set():
                    return
                self._logger.exception("%s failed; retrying", type(self).__name__)
                self._stop.wait(_ERROR_BACKOFF_SECONDS)
                continue
            if not busy:
                self._stop.wait(self._idle_wait)
