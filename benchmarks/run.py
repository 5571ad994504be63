"""Run every benchmark, print the table and optionally write it as JSON.

Usage: ``python -m benchmarks.run [--json PATH] [--quick] [--only NAME ...]`` from the repository
root (``nox -s bench -- --json bench.json``); ``--only sandbox`` runs that benchmark alone.
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

from benchmarks.client_cpu import client_cpu_figures
from benchmarks.cost import cost_figures
from benchmarks.latency import latency_figures
from benchmarks.lots import lot_figures
from benchmarks.overhead import overhead_figures
from benchmarks.pricing import pricing_figures
from benchmarks.redemptions import redemption_figures
from benchmarks.sandbox import sandbox_figures
from benchmarks.startup import layer_figures, startup_figures

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from benchmarks.common import Figure

__all__ = ["BENCHMARKS", "GOALS", "goals", "machine", "main", "render", "run_figures"]

GOALS = (
    ("aggregate batch 100 rec/50 cust, 10 ms per call, over HTTP: <= 2x", "latency", "http, 10 ms: aggregate"),
    ("client CPU per request, by kind (reported)", "client CPU", "http: "),
    ("cold start CPU, every entrypoint: <= 1.3x import boto3, pydantic", "cold start", "import: "),
    ("cold start, init + 1st call, next to the floor and the peer (reported)", "cold start", "init + 1st call: "),
    ("sandbox end to end: >= 2x the issue's 55 events/s", "sandbox", "end to end"),
    ("cost per million bookings (printed)", "cost", "per 1M bookings: total"),
    ("redemption: 1 TransactWriteItems of 2 items + at most 1 consistent read per call", "redemption", "per call: "),
    ("redemption: conflicts and latency, N concurrent reserves, 10 ms per call (reported)", "redemption", "http, 10 ms: "),
)  # fmt: skip
"""The issue's goals, each with the rows of this run that measure it."""

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
    rows = [("figure", "value", "min / max (runs)", "peer/limit", "ratio", "target")]
    for figure in figures:
        reference = (
            f"{figure.reference_label} {_number(figure.reference)}".strip()
            if figure.reference is not None
            else ""
        )
        met = {True: "met", False: "MISSED", None: ""}[figure.met]
        sign = ">=" if figure.at_least else "<="
        target = f"{sign} {figure.target:g} {met}" if figure.target is not None else ""
        spread = (
            f"{_number(min(figure.samples))} / {_number(max(figure.samples))} "
            f"({len(figure.samples)})"
            if figure.samples
            else ""
        )
        ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else ""
        rows.append(
            (
                f"[{figure.group}] {figure.name}",
                _number(figure.value, figure.unit),
                spread,
                reference,
                ratio,
                target,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(6)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    notes = [f"  {figure.name}: {figure.note}" for figure in figures if figure.note]
    return "\n".join([*lines, "", "notes:", *notes])


def goals(figures: Sequence[Figure]) -> str:
    """The issue's goals, each followed by this run's figures for it."""
    lines = ["goals (this run):"]
    for goal, group, prefix in GOALS:
        lines.append(f"  {goal}")
        for figure in figures:
            if figure.group == group and figure.name.startswith(prefix):
                ratio = f", {figure.ratio:.2f}x {figure.reference_label}" if figure.ratio else ""
                met = {True: " (met)", False: " (MISSED)", None: ""}[figure.met]
                value = _number(figure.value, figure.unit)
                lines.append(f"    {figure.name}: {value}{ratio}{met}")
    return "\n".join(lines)


BENCHMARKS = (
    "cost", "lots", "redemptions", "latency", "client-cpu", "overhead", "startup", "sandbox",
    "pricing", "layers",
)  # fmt: skip
"""The benchmarks by name, in table order (``--only`` takes these)."""


def _benchmarks(*, quick: bool) -> dict[str, Callable[[], Iterable[Figure]]]:
    repeats = 3 if quick else 5
    return {
        "cost": cost_figures,
        "lots": lot_figures,
        "redemptions": lambda: redemption_figures(repeats=repeats),
        "latency": lambda: latency_figures(repeats=repeats),
        "client-cpu": lambda: client_cpu_figures(rounds=repeats),
        "overhead": lambda: overhead_figures(seconds=0.3 if quick else 1.0),
        "startup": lambda: startup_figures(repeats=repeats),
        "sandbox": lambda: sandbox_figures(events=150 if quick else 300, repeats=2 if quick else 3),
        "pricing": lambda: pricing_figures(repeats=repeats),
        "layers": layer_figures,
    }


def run_figures(*, quick: bool, only: Sequence[str] = ()) -> list[Figure]:
    """The figures of every benchmark, or of those named in ``only``, in table order."""
    benchmarks = _benchmarks(quick=quick)
    return [
        figure for name in BENCHMARKS if not only or name in only for figure in benchmarks[name]()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions (a smoke run, noisier timings)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=BENCHMARKS,
        default=(),
        metavar="NAME",
        help=f"run only these benchmarks: {', '.join(BENCHMARKS)}",
    )
    arguments = parser.parse_args(argv)
    started = time.perf_counter()
    figures = run_figures(quick=arguments.quick, only=arguments.only)
    info = machine()
    print(render(figures))
    print()
    print(goals(figures))
    print(
        f"\nmachine: {info['nproc']} x {info['cpu']}, {info['platform']}, Python {info['python']}; "
        "timed rows: median of the runs shown as (n), with min / max; "
        f"run took {time.perf_counter() - started:.0f} s"
    )
    if arguments.json is not None:
        document = {"machine": info, "figures": [figure.as_json() for figure in figures]}
        arguments.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {arguments.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
