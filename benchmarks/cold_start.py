"""Cold-start benchmark: import time of each Lambda entrypoint next to ``import boto3, pydantic``.

Every sample is a fresh interpreter (as a new Lambda container is). Two figures per subject, as
medians over the runs: the process wall time (``python -c``, interpreter start-up included) and the
import time measured inside the child (start-up excluded), each with its ratio to the baseline.
Also prints the layer zips' sizes when ``dist/`` holds them. Prints figures, asserts nothing.

Usage: ``python benchmarks/cold_start.py [--runs 21] [--importtime ingest]``
(target: entrypoint <= 1.3 x baseline; layer <= 8 MB zipped without boto3).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BASELINE = "import boto3, pydantic"
# What any entrypoint that validates with pydantic models and builds its DynamoDB client at import
# (as ours do, so the work happens once per container) cannot go below.
FLOOR = "import boto3, pydantic; from pydantic import BaseModel; boto3.client('dynamodb')"
SUBJECTS = {
    "baseline": BASELINE,
    "floor": FLOOR,
    "ingest": "import lambda_entrypoints.ingest",
    "aggregate": "import lambda_entrypoints.aggregate",
    "get_points": "import lambda_entrypoints.get_points",
}
TARGET_RATIO = 1.3
TARGET_LAYER_BYTES = 8_000_000


def child_environment() -> dict[str, str]:
    """What the entrypoints read at import: a table name and a region; no network is used."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "LOYALTY_", "POWERTOOLS_"))
    }
    environment.update(
        LOYALTY_TABLE_NAME="loyalty-benchmark",
        AWS_DEFAULT_REGION="eu-west-1",
        PYTHONPATH=str(PROJECT_ROOT),
        PYTHONDONTWRITEBYTECODE="",
    )
    return environment


def sample(statement: str, environment: Mapping[str, str]) -> tuple[float, float]:
    """(process wall seconds, in-process import seconds) of one fresh interpreter."""
    code = (
        "import time\n"
        "started = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - started)\n"
    )
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=dict(environment),
        cwd=PROJECT_ROOT,
    )
    wall = time.perf_counter() - started
    return wall, float(completed.stdout.strip().splitlines()[-1])


def measure(runs: int, subjects: Mapping[str, str]) -> dict[str, tuple[float, float]]:
    """Median (wall, import) per subject; subjects interleaved so drift hits all alike."""
    environment = child_environment()
    for statement in subjects.values():
        sample(statement, environment)  # warm the bytecode and file caches once
    walls: dict[str, list[float]] = {name: [] for name in subjects}
    imports: dict[str, list[float]] = {name: [] for name in subjects}
    for _ in range(runs):
        for name, statement in subjects.items():
            wall, imported = sample(statement, environment)
            walls[name].append(wall)
            imports[name].append(imported)
    return {
        name: (statistics.median(walls[name]), statistics.median(imports[name]))
        for name in subjects
    }


def slowest_imports(statement: str, top: int) -> list[tuple[int, int, str]]:
    """The modules with the largest cumulative import time (``python -X importtime``)."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
        env=child_environment(),
        cwd=PROJECT_ROOT,
    )
    rows: list[tuple[int, int, str]] = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, module = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative_us), int(self_us), module.rstrip()))
    return sorted(rows, reverse=True)[:top]


def layer_sizes(dist: Path) -> list[tuple[str, int, int]]:
    """(file name, zipped bytes, unzipped bytes) of each layer zip in ``dist``."""
    sizes = []
    for path in sorted(dist.glob("loyalty-layer-*.zip")):
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        sizes.append((path.name, path.stat().st_size, unzipped))
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=21, help="fresh interpreters per subject")
    parser.add_argument(
        "--importtime",
        choices=sorted(set(SUBJECTS) - {"baseline", "floor"}),
        help="also list the slowest imports of this entrypoint (python -X importtime)",
    )
    parser.add_argument("--top", type=int, default=25, help="rows of the --importtime listing")
    parser.add_argument("--dist", type=Path, default=PROJECT_ROOT / "dist")
    arguments = parser.parse_args(argv)

    print(f"python {sys.version.split()[0]} ({sys.executable}), {arguments.runs} runs each")
    medians = measure(arguments.runs, SUBJECTS)
    base_wall, base_import = medians["baseline"]
    print(f"{'subject':<12} {'wall ms':>9} {'x base':>7} {'import ms':>10} {'x base':>7}")
    for name, (wall, imported) in medians.items():
        print(
            f"{name:<12} {wall * 1000:9.1f} {wall / base_wall:7.2f} "
            f"{imported * 1000:10.1f} {imported / base_import:7.2f}"
        )
    print(f"baseline: python -c {BASELINE!r}; target: entrypoint <= {TARGET_RATIO} x baseline")
    print(f"floor: python -c {FLOOR!r}")

    if arguments.importtime:
        statement = SUBJECTS[arguments.importtime]
        print(f"\nslowest imports of {statement!r} (cumulative us, self us, module):")
        for cumulative, self_time, module in slowest_imports(statement, arguments.top):
            print(f"{cumulative:>10} {self_time:>9}  {module}")

    sizes = layer_sizes(arguments.dist)
    if sizes:
        print(
            f"\nlayer zips in {arguments.dist} (target: <= {TARGET_LAYER_BYTES / 1e6:.0f} MB zipped)"
        )
        for name, zipped, unzipped in sizes:
            print(f"{name:<28} {zipped / 1e6:6.2f} MB zipped {unzipped / 1e6:7.2f} MB unzipped")
    else:
        print(f"\nno layer zips in {arguments.dist} (run: nox -s layer)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
