"""How a long-running service reports progress to its caller (a progress bar, a log, nothing)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["OnProgress", "no_progress"]


class OnProgress(Protocol):
    """Called as work advances: ``done`` items of ``stage`` so far, of ``total`` (None: unknown)."""

    def __call__(self, stage: str, done: int, total: int | None) -> None: ...


def no_progress(stage: str, done: int, total: int | None) -> None:
    """The default :class:`OnProgress`: report nothing."""
