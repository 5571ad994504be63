"""Concurrent writes: a process-wide pool for one batch, and bounded runs for bulk commands."""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

__all__ = ["MAX_CONCURRENT_WRITES", "run_all", "run_bounded"]

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


def run_bounded(
    function: Callable[[T], R], items: Iterable[T], *, workers: int
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, function(item))`` as calls complete, at most ``2 × workers`` in flight.

    For runs too long to submit at once (a file of bookings, fake traffic). The first exception
    is re-raised after cancelling the calls not yet started, so a failure that affects every call
    (access denied, table missing) stops the run at once.
    """
    limit = max(workers, 1) * 2
    with ThreadPoolExecutor(max_workers=max(workers, 1), thread_name_prefix="loyalty-bulk") as pool:
        pending: dict[Future[R], T] = {}
        try:
            for item in items:
                pending[pool.submit(function, item)] = item
                if len(pending) >= limit:
                    yield from _drain(pending, FIRST_COMPLETED)
            yield from _drain(pending, None)
        finally:
            for future in pending:
                future.cancel()


def _drain(pending: dict[Future[R], T], mode: str | None) -> Iterator[tuple[T, R]]:
    done, _ = wait(pending, return_when=mode or "ALL_COMPLETED")
    for future in done:
        item = pending.pop(future)
        yield item, future.result()
