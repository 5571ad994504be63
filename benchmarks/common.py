"""Shared pieces: a figure row, an inline executor, timing helpers and the fake AWS environment."""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "AWS_ENVIRONMENT",
    "Figure",
    "fake_aws_environment",
    "sample_seconds",
]


AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "LOYALTY_TABLE_NAME": "loyalty-bench",
}
"""Fake credentials and the settings the Lambda entrypoints read at import."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One row of the table: a measured value next to its peer or limit."""

    group: str
    name: str
    value: float | None
    unit: str
    reference: float | None = None
    reference_label: str = ""
    target: float | None = None
    """Largest acceptable ``value / reference`` (smallest with ``at_least``); None: no target."""
    note: str = ""
    samples: tuple[float, ...] = ()
    """Every measurement of a timed figure, in ``unit``; ``value`` is their median."""
    at_least: bool = False
    """Higher is better: met when ``value / reference >= target``."""

    @property
    def ratio(self) -> float | None:
        if self.value is None or self.reference is None or self.reference == 0:
            return None
        return self.value / self.reference

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        if self.reference == 0:
            return self.value == 0
        ratio = self.ratio
        if ratio is None:
            return None
        return ratio >= self.target if self.at_least else ratio <= self.target

    @classmethod
    def timed(cls, group: str, name: str, samples: list[float], unit: str, **kw: Any) -> Figure:
        """A figure whose value is the median of ``samples`` (all kept for min and max)."""
        return cls(group, name, statistics.median(samples), unit, samples=tuple(samples), **kw)

    def as_json(self) -> dict[str, object]:
        return {
            "group": self.group,
            "figure": self.name,
            "value": self.value,
            "unit": self.unit,
            "reference": self.reference,
            "reference_label": self.reference_label,
            "ratio": self.ratio,
            "target_ratio": self.target,
            "met": self.met,
            "note": self.note,
            "runs": len(self.samples),
            "min": min(self.samples, default=None),
            "max": max(self.samples, default=None),
        }


@contextmanager
def fake_aws_environment() -> Iterator[None]:
    """Set fake credentials and region (and drop profiles/endpoints) for the duration."""
    saved = dict(os.environ)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(AWS_ENVIRONMENT)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def sample_seconds(action: Callable[[], object], repeats: int) -> list[float]:
    """Wall time of each of ``repeats`` runs of ``action``."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples
