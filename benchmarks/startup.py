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
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import AWS_ENVIRONMENT, Figure

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["ROOT", "import_seconds", "startup_figures"]

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINTS = (
    "lambda_entrypoints.ingest",
    "lambda_entrypoints.aggregate",
    "lambda_entrypoints.get_points",
)
BASELINE = "import boto3, pydantic"
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


def import_seconds(statement: str, repeats: int) -> float:
    """Median time a fresh interpreter takes to run the import ``statement``."""
    program = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = []
    for _ in range(repeats):
        completed = subprocess.run(
            [sys.executable, "-c", program],
            cwd=ROOT,
            env=_environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(completed.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


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


def startup_figures(*, repeats: int = 7) -> Iterator[Figure]:
    """Figures 5 and 6, in milliseconds."""
    baseline = import_seconds(BASELINE, repeats) * 1000
    stack = import_seconds(POWERTOOLS_STACK, repeats) * 1000
    yield Figure("cold start", f"baseline: {BASELINE}", baseline, "ms")
    yield Figure(
        "cold start", "peer: Powertools batch+parser+idempotency+Logger+Metrics", stack, "ms"
    )
    for module in ENTRYPOINTS:
        value = import_seconds(f"import {module}", repeats) * 1000
        yield Figure(
            "cold start", f"import {module} vs boto3+pydantic", value, "ms",
            baseline, "boto3+pydantic", target=1.3,
        )  # fmt: skip
        yield Figure(
            "cold start", f"import {module} vs Powertools stack", value, "ms",
            stack, "Powertools stack", target=0.75,
        )  # fmt: skip
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
