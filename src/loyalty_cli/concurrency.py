"""Run writes on a few threads with a bounded number in flight, stopping at the first failure."""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = ["run_bounded"]

T = TypeVar("T")
R = TypeVar("R")


def run_bounded(
    function: Callable[[T], R], items: Iterable[T], *, workers: int
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, function(item))`` as calls complete, at most ``2 × workers`` in flight.

    The first exception is re-raised after cancelling the calls not yet started, so a failure
    that affects every call (access denied, table missing) stops the run at once.
    """
    limit = max(workers, 1) * 2
    with ThreadPoolExecutor(max_workers=max(workers, 1), thread_name_prefix="loyalty-cli") as pool:
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
