"""Run every benchmark, print the table and optionally write it as JSON.

Usage: ``python -m benchmarks.run [--json PATH] [--quick]`` from the repository root
(``nox -s bench -- --json bench.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.cost import cost_figures
from benchmarks.latency import latency_figures
from benchmarks.lots import lot_figures
from benchmarks.overhead import overhead_figures
from benchmarks.startup import layer_figures, startup_figures

if TYPE_CHECKING:
    from collections.abc import Sequence

    from benchmarks.common import Figure

__all__ = ["machine", "main", "render", "run_figures"]

PACKAGES = (
    "loyalty-ledger",
    "boto3",
    "botocore",
    "pydantic",
    "pydantic-core",
    "aws-lambda-powertools",
    "moto",
    "typer",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    versions: dict[str, str] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if value else "0"
    return f"{text} {unit}".rstrip()


def render(figures: Sequence[Figure]) -> str:
    """The compact table: figure, value, peer/limit, ratio (and whether a target is met)."""
    rows = [("figure", "value", "peer/limit", "ratio", "target")]
    for figure in figures:
        reference = (
            f"{figure.reference_label} {_number(figure.reference)}".strip()
            if figure.reference is not None
            else ""
        )
        met = {True: "met", False: "MISSED", None: ""}[figure.met]
        target = f"<= {figure.target:g} {met}" if figure.target is not None else ""
        ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else ""
        rows.append(
            (
                f"[{figure.group}] {figure.name}",
                _number(figure.value, figure.unit),
                reference,
                ratio,
                target,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    notes = [f"  {figure.name}: {figure.note}" for figure in figures if figure.note]
    return "\n".join([*lines, "", "notes:", *notes])


def run_figures(*, quick: bool) -> list[Figure]:
    """Every figure group, in table order."""
    return [
        *cost_figures(),
        *lot_figures(),
        *latency_figures(repeats=3 if quick else 5),
        *overhead_figures(seconds=0.3 if quick else 1.0),
        *startup_figures(repeats=3 if quick else 7),
        *layer_figures(),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions (a smoke run, noisier timings)"
    )
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    figures = run_figures(quick=arguments.quick)
    info = machine()
    print(render(figures))
    print(
        f"\nmachine: {info['nproc']} x {info['cpu']}, Python {info['python']}; "
        f"run took {time.perf_counter() - started:.0f} s"
    )
    if arguments.json is not None:
        document = {"machine": info, "figures": [figure.as_json() for figure in figures]}
        arguments.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {arguments.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
