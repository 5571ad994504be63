"""Figures 5 and 6: cold start (import time of each Lambda entrypoint) and CLI start.

Each sample is a fresh interpreter (``sys.executable``, cwd at the repository root, fake AWS
credentials and ``LOYALTY_TABLE_NAME`` set) timing its own imports with ``time.perf_counter``;
the figure is the median. Entrypoints build their boto3 client at import, so that is included.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.cold_start import TARGET_LAYER_BYTES, layer_sizes
from benchmarks.common import AWS_ENVIRONMENT, Figure

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["ROOT", "ImportTime", "import_times", "layer_figures", "startup_figures"]

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINTS = (
    "lambda_entrypoints.ingest",
    "lambda_entrypoints.aggregate",
    "lambda_entrypoints.get_points",
)
BASELINE = "import boto3, pydantic"
WITH_CLIENT = "import boto3, pydantic; boto3.client('dynamodb')"
"""The baseline plus the one client every entrypoint builds at import (informational)."""
POWERTOOLS_STACK = "; ".join(
    (
        "from aws_lambda_powertools import Logger, Metrics",
        "from aws_lambda_powertools.utilities.batch import BatchProcessor",
        "from aws_lambda_powertools.utilities.parser import models",
        "from aws_lambda_powertools.utilities.idempotency import idempotent",
    )
)
"""The usual Powertools handler's imports: batch, parser models, idempotency, Logger, Metrics."""


def _environment() -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTHON")) and name != "LOYALTY_TABLE_NAME"
    }
    return environment | AWS_ENVIRONMENT


@dataclass(frozen=True, slots=True)
class ImportTime:
    """Medians over fresh interpreters: wall time (``perf_counter``) and CPU time (``process_time``).

    On a shared machine wall time includes waiting for a core; CPU time does not, so it is the
    steadier of the two for comparing imports.
    """

    wall: float
    cpu: float


def _one_import(statement: str) -> tuple[float, float]:
    program = (
        "import time; w = time.perf_counter(); c = time.process_time(); "
        f"{statement}; print(time.perf_counter() - w, time.process_time() - c)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu = completed.stdout.split()[-2:]
    return float(wall), float(cpu)


def import_times(statements: Mapping[str, str], repeats: int) -> dict[str, ImportTime]:
    """Median import times of each statement, measured round-robin in fresh interpreters.

    Round-robin, so load from a neighbour on a shared machine falls on every statement alike.
    """
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in statements}
    for _ in range(repeats):
        for name, statement in statements.items():
            samples[name].append(_one_import(statement))
    return {
        name: ImportTime(
            statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs)
        )
        for name, runs in samples.items()
    }


def _wall_seconds(command: list[str], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=_environment(), capture_output=True, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _cli_command() -> list[str] | None:
    if importlib.util.find_spec("loyalty_cli") is None:
        return None
    if importlib.util.find_spec("loyalty_cli.app") is None:
        return None
    script = Path(sys.executable).parent / "loyalty"
    if script.exists():
        return [str(script), "--help"]
    found = shutil.which("loyalty")
    return [found, "--help"] if found else None


def _import_figure(
    name: str, measured: ImportTime, peer: ImportTime | None = None, label: str = "", **kw: Any
) -> Figure:
    cpu = f"CPU {measured.cpu * 1000:.0f} ms"
    if peer is not None:
        ratio = measured.cpu / peer.cpu
        cpu += f" vs {peer.cpu * 1000:.0f} ms, ratio {ratio:.2f}"
        target = kw.get("target")
        if target is not None:
            cpu += " (met)" if ratio <= target else " (MISSED)"
    return Figure(
        "cold start", name, measured.wall * 1000, "ms",
        None if peer is None else peer.wall * 1000, label, note=cpu, **kw,
    )  # fmt: skip


def startup_figures(*, repeats: int = 7) -> Iterator[Figure]:
    """Figures 5 and 6, in milliseconds (wall; CPU time in the notes)."""
    statements = {
        "baseline": BASELINE,
        "client": WITH_CLIENT,
        "stack": POWERTOOLS_STACK,
        **{module: f"import {module}" for module in ENTRYPOINTS},
    }
    times = import_times(statements, repeats)
    baseline, stack = times["baseline"], times["stack"]
    yield _import_figure(f"baseline: {BASELINE}", baseline)
    yield _import_figure(
        "baseline + boto3.client('dynamodb')", times["client"], baseline, "boto3+pydantic"
    )
    yield _import_figure("peer: Powertools batch+parser+idempotency+Logger+Metrics", stack)
    for module in ENTRYPOINTS:
        short = module.rpartition(".")[2]
        yield _import_figure(
            f"{short} vs boto3+pydantic", times[module], baseline, "boto3+pydantic", target=1.3
        )
        yield _import_figure(
            f"{short} vs Powertools stack", times[module], stack, "Powertools stack", target=0.75
        )
    typer = _wall_seconds([sys.executable, "-c", "import typer"], repeats) * 1000
    command = _cli_command()
    if command is None:
        yield Figure(
            "cli", "loyalty --help (wall)", None, "ms", typer, "python -c 'import typer'",
            note="not available yet: loyalty_cli.app is not on this branch (issue 5)",
        )  # fmt: skip
    else:
        yield Figure(
            "cli", "loyalty --help (wall)", _wall_seconds(command, repeats) * 1000, "ms",
            typer, "python -c 'import typer'",
        )  # fmt: skip


def layer_figures(dist: Path = ROOT / "dist") -> Iterator[Figure]:
    """The Lambda layer zips' sizes (built by ``nox -s layer``), against the size budget."""
    sizes = layer_sizes(dist)
    if not sizes:
        yield Figure(
            "layer", "layer zip size", None, "MB", TARGET_LAYER_BYTES / 1e6, "limit",
            note="no layer zips in dist/: run `nox -s layer` first",
        )  # fmt: skip
    for name, zipped, unzipped in sizes:
        yield Figure(
            "layer", name, zipped / 1e6, "MB", TARGET_LAYER_BYTES / 1e6, "limit", target=1.0,
            note=f"{unzipped / 1e6:.1f} MB unzipped",
        )  # fmt: skip
