"""A process-wide bounded thread pool for the concurrent writes of one batch."""

from __future__ import annotations

import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["MAX_CONCURRENT_WRITES", "run_all"]

T = TypeVar("T")
R = TypeVar("R")

MAX_CONCURRENT_WRITES = 50
"""Writes in flight at once: a stream batch of 100 records over 50 customers goes out in one round.

Threads spend nearly all their time waiting on the network, so this is bounded by the boto3
client's connection pool, not by CPU: give the client ``max_pool_connections`` at least this.
"""

_lock = threading.Lock()
_shared_executor: ThreadPoolExecutor | None = None


def _default_executor() -> Executor:
    # One pool per process, created on first use and kept across Lambda invocations, so a batch
    # pays for task submission only, not for starting threads.
    global _shared_executor  # noqa: PLW0603
    with _lock:
        if _shared_executor is None:
            _shared_executor = ThreadPoolExecutor(
                max_workers=MAX_CONCURRENT_WRITES, thread_name_prefix="loyalty-write"
            )
        return _shared_executor


def run_all(
    function: Callable[[T], R], items: Sequence[T], executor: Executor | None = None
) -> list[R | Exception]:
    """Run ``function`` over ``items`` concurrently; return each result or the exception it raised."""
    if len(items) <= 1:
        # A lone write is not worth a thread hop.
        return [_capture(function, item) for item in items]
    pool = executor or _default_executor()
    futures = [pool.submit(_capture, function, item) for item in items]
    return [future.result() for future in futures]


def _capture(function: Callable[[T], R], item: T) -> R | Exception:
    try:
        return function(item)
    except Exception as error:
        return error
