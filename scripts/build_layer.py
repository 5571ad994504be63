"""Build the Lambda layer zips: ``dist/loyalty-layer-{x86_64,arm64}.zip`` with ``python/`` at the root.

The layer holds this project's wheel (the ``loyalty`` library) and its runtime dependencies, resolved
by pip as manylinux wheels for CPython 3.12 on each architecture. The packages the Lambda Python
runtime already provides (boto3 and its dependencies) are left out unless ``--include-boto3``.

Usage: ``python scripts/build_layer.py [--arch x86_64 --arch arm64] [--include-boto3] [--dist dist]``
(``nox -s layer`` runs it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

__all__ = [
    "PROJECT_ROOT",
    "RUNTIME_PROVIDED",
    "TARGETS",
    "LayerBuildError",
    "LayerReport",
    "Pin",
    "Target",
    "build_layer",
    "build_layers",
    "build_project_wheel",
    "canonical_name",
    "main",
    "missing_dependency",
    "prune",
    "resolve",
    "select_pins",
    "write_layer_zip",
]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PYTHON_VERSION = "3.12"
# Lambda's unzipped limit for a function and all its layers together.
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
# Already in the Lambda Python runtime; bundling them only adds ~20 MB.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
# Parts of the project wheel that Lambda never imports (the operator CLI and the local sandbox).
EXCLUDED_TOP_LEVEL = ("loyalty_cli", "loyalty_sandbox")
# Fixed timestamp so that the same inputs give byte-identical zips (and no new layer version).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class LayerBuildError(RuntimeError):
    """The layer cannot be built; the message says why (e.g. which dependency has no wheel)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A Lambda architecture and the wheel platform tags that run on it."""

    architecture: str
    machine: str

    @property
    def platforms(self) -> tuple[str, ...]:
        # manylinux2014 (glibc 2.17) first; the python3.12 runtime (Amazon Linux 2023, glibc 2.34)
        # also runs manylinux_2_28 wheels, for dependencies that no longer ship 2014 ones.
        return (f"manylinux2014_{self.machine}", f"manylinux_2_28_{self.machine}")


TARGETS = {
    "x86_64": Target(architecture="x86_64", machine="x86_64"),
    "arm64": Target(architecture="arm64", machine="aarch64"),
}


@dataclass(frozen=True, slots=True)
class Pin:
    """One resolved distribution: ``name==version``."""

    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True, slots=True)
class LayerReport:
    """What one built zip holds and weighs."""

    path: Path
    architecture: str
    zipped_bytes: int
    unzipped_bytes: int
    files: int
    distributions: tuple[Pin, ...]

    def summary(self) -> str:
        return (
            f"{self.path}: {_megabytes(self.zipped_bytes)} zipped, "
            f"{_megabytes(self.unzipped_bytes)} unzipped, {self.files} files "
            f"({', '.join(str(pin) for pin in self.distributions)})"
        )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.2f} MB"


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name (``Python_Dateutil`` -> ``python-dateutil``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


_NO_MATCH = re.compile(r"No matching distribution found for\s+(?P<requirement>\S+)")
_NO_VERSION = re.compile(
    r"Could not find a version that satisfies the requirement\s+(?P<requirement>\S+)"
)


def missing_dependency(pip_output: str) -> str | None:
    """The requirement pip found no installable wheel for, if that is why it failed."""
    match = _NO_MATCH.search(pip_output) or _NO_VERSION.search(pip_output)
    if match is None:
        return None
    return re.split(r"[<>=!~;\[ (]", match.group("requirement"), maxsplit=1)[0]


def _pip(arguments: Sequence[str], *, target: Target | None = None) -> str:
    command = [sys.executable, "-m", "pip", *arguments]
    environment = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, env=environment
    )
    if completed.returncode == 0:
        return completed.stdout
    output = f"{completed.stdout}\n{completed.stderr}"
    missing = missing_dependency(output)
    if missing is not None and target is not None:
        raise LayerBuildError(
            f"dependency {missing!r} has no wheel for CPython {PYTHON_VERSION} on "
            f"{target.architecture} ({' or '.join(target.platforms)}); the layer needs "
            f"binary wheels only. pip said:\n{completed.stderr.strip()}"
        )
    raise LayerBuildError(f"{' '.join(command)} failed:\n{completed.stderr.strip()}")


def _platform_arguments(target: Target, python_version: str) -> list[str]:
    arguments = []
    for platform in target.platforms:
        arguments += ["--platform", platform]
    return [
        *arguments,
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--only-binary=:all:",
    ]


def build_project_wheel(project: Path, wheel_dir: Path) -> Path:
    """Build this project's wheel (pure Python) into ``wheel_dir`` and return its path."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    _pip(["wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheel_dir), str(project)])
    wheels = sorted(wheel_dir.glob("loyalty_ledger-*.whl"))
    if len(wheels) != 1:
        raise LayerBuildError(f"expected one loyalty_ledger wheel in {wheel_dir}, found {wheels}")
    return wheels[0]


def resolve(
    wheel: Path, target: Target, workdir: Path, python_version: str = PYTHON_VERSION
) -> list[Pin]:
    """Every distribution the wheel needs on ``target``, as pip resolves it (nothing installed)."""
    report = workdir / f"resolve-{target.architecture}.json"
    _pip(
        [
            "install",
            "--quiet",
            "--dry-run",
            "--ignore-installed",
            "--report",
            str(report),
            "--target",
            str(workdir / "unused"),
            *_platform_arguments(target, python_version),
            str(wheel),
        ],
        target=target,
    )
    resolved = json.loads(report.read_text(encoding="utf-8"))["install"]
    return [
        Pin(canonical_name(item["metadata"]["name"]), item["metadata"]["version"])
        for item in resolved
        if not item.get("is_direct", False)
    ]


def select_pins(pins: Iterable[Pin], *, include_boto3: bool) -> list[Pin]:
    """The pins to bundle: all of them, less what the Lambda runtime provides (by default)."""
    excluded = frozenset() if include_boto3 else RUNTIME_PROVIDED
    return sorted((p for p in pins if p.name not in excluded), key=lambda p: p.name)


def _install(
    wheel: Path, pins: Sequence[Pin], target: Target, site: Path, python_version: str
) -> None:
    _pip(
        [
            "install",
            "--quiet",
            "--no-deps",
            "--no-compile",
            "--ignore-installed",
            "--target",
            str(site),
            *_platform_arguments(target, python_version),
            str(wheel),
            *(str(pin) for pin in pins),
        ],
        target=target,
    )


def prune(site: Path) -> None:
    """Drop what Lambda never uses: bytecode caches, console scripts, the CLI package."""
    for cache in sorted(site.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    for compiled in site.rglob("*.py[co]"):
        compiled.unlink()
    for name in ("bin", *EXCLUDED_TOP_LEVEL):
        shutil.rmtree(site / name, ignore_errors=True)


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path


def write_layer_zip(
    site: Path, zip_path: Path, architecture: str, distributions: Sequence[Pin] = ()
) -> LayerReport:
    """Zip ``site`` under ``python/`` reproducibly (sorted entries, fixed timestamps)."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    unzipped = 0
    count = 0
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in _files(site):
            info = zipfile.ZipInfo(f"python/{path.relative_to(site).as_posix()}", ZIP_EPOCH)
            mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = path.read_bytes()
            archive.writestr(info, data, compresslevel=9)
            unzipped += len(data)
            count += 1
    if unzipped > MAX_UNZIPPED_BYTES:
        raise LayerBuildError(
            f"{zip_path} unzips to {_megabytes(unzipped)}, over Lambda's 250 MB limit"
        )
    return LayerReport(
        path=zip_path,
        architecture=architecture,
        zipped_bytes=zip_path.stat().st_size,
        unzipped_bytes=unzipped,
        files=count,
        distributions=tuple(distributions),
    )


def build_layer(
    wheel: Path,
    architecture: str,
    dist: Path,
    *,
    include_boto3: bool = False,
    python_version: str = PYTHON_VERSION,
) -> LayerReport:
    """Build ``dist/loyalty-layer-{architecture}.zip`` from the project wheel."""
    try:
        target = TARGETS[architecture]
    except KeyError:
        raise LayerBuildError(
            f"unknown architecture {architecture!r}: choose from {', '.join(TARGETS)}"
        ) from None
    with tempfile.TemporaryDirectory(prefix=f"layer-{architecture}-") as scratch:
        workdir = Path(scratch)
        pins = select_pins(
            resolve(wheel, target, workdir, python_version), include_boto3=include_boto3
        )
        site = workdir / "python"
        _install(wheel, pins, target, site, python_version)
        prune(site)
        name, version = wheel.name.split("-")[:2]
        return write_layer_zip(
            site,
            dist / f"loyalty-layer-{architecture}.zip",
            architecture,
            [Pin(canonical_name(name), version), *pins],
        )


def build_layers(
    architectures: Sequence[str],
    dist: Path,
    *,
    include_boto3: bool = False,
    project: Path = PROJECT_ROOT,
) -> list[LayerReport]:
    """Build the project wheel once, then one layer zip per architecture."""
    with tempfile.TemporaryDirectory(prefix="layer-wheel-") as wheel_dir:
        wheel = build_project_wheel(project, Path(wheel_dir))
        return [
            build_layer(wheel, architecture, dist, include_boto3=include_boto3)
            for architecture in architectures
        ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--arch",
        dest="architectures",
        action="append",
        choices=sorted(TARGETS),
        help="architecture to build (repeatable; default: all)",
    )
    parser.add_argument(
        "--include-boto3",
        action="store_true",
        help=f"also bundle {', '.join(sorted(RUNTIME_PROVIDED))} (the runtime provides them)",
    )
    parser.add_argument("--dist", type=Path, default=PROJECT_ROOT / "dist", help="output directory")
    arguments = parser.parse_args(argv)
    try:
        reports = build_layers(
            arguments.architectures or list(TARGETS),
            arguments.dist,
            include_boto3=arguments.include_boto3,
        )
    except LayerBuildError as error:
        print(f"layer build failed: {error}", file=sys.stderr)
        return 1
    for report in reports:
        print(report.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
