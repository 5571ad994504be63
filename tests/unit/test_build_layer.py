"""The layer build's pure parts: dependency selection, pip error reading, pruning, zipping."""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

import pytest

from scripts.build_layer import (
    RUNTIME_PROVIDED,
    TARGETS,
    LayerBuildError,
    Pin,
    build_layer,
    canonical_name,
    missing_dependency,
    prune,
    select_pins,
    write_layer_zip,
)

if TYPE_CHECKING:
    from pathlib import Path

RESOLVED = [
    Pin("boto3", "1.44.8"),
    Pin("botocore", "1.44.8"),
    Pin("s3transfer", "0.19.3"),
    Pin("jmespath", "1.1.0"),
    Pin("urllib3", "2.8.0"),
    Pin("python-dateutil", "2.9.0.post0"),
    Pin("six", "1.17.0"),
    Pin("pydantic", "2.14.4"),
    Pin("pydantic-core", "2.50.5"),
    Pin("aws-lambda-powertools", "3.37.0"),
    Pin("cyksuid", "2.1.0"),
]


def test_the_runtime_provided_packages_are_left_out_by_default() -> None:
    selected = {pin.name for pin in select_pins(RESOLVED, include_boto3=False)}
    assert selected == {"pydantic", "pydantic-core", "aws-lambda-powertools", "cyksuid"}
    assert selected.isdisjoint(RUNTIME_PROVIDED)


def test_include_boto3_bundles_every_resolved_package() -> None:
    assert set(select_pins(RESOLVED, include_boto3=True)) == set(RESOLVED)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("Python_Dateutil", "python-dateutil"), ("pydantic_core", "pydantic-core"), ("six", "six")],
)
def test_project_names_are_compared_in_their_canonical_form(name: str, canonical: str) -> None:
    assert canonical_name(name) == canonical


@pytest.mark.parametrize(
    "pip_output",
    [
        "ERROR: Could not find a version that satisfies the requirement pydantic-core==2.50.5 "
        "(from versions: none)\nERROR: No matching distribution found for pydantic-core==2.50.5",
        "ERROR: No matching distribution found for pydantic-core>=2.0; python_version >= '3.8'",
        "ERROR: Could not find a version that satisfies the requirement pydantic-core "
        "(from versions: none)",
    ],
)
def test_the_dependency_without_a_wheel_is_read_from_pips_error(pip_output: str) -> None:
    assert missing_dependency(pip_output) == "pydantic-core"


def test_other_pip_failures_name_no_dependency() -> None:
    assert missing_dependency("ERROR: Could not install packages due to an OSError") is None


def test_an_unknown_architecture_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(LayerBuildError, match="unknown architecture 'sparc'"):
        build_layer(tmp_path / "x.whl", "sparc", tmp_path)


def test_the_arm64_layer_takes_aarch64_manylinux_wheels() -> None:
    assert TARGETS["arm64"].platforms[0] == "manylinux2014_aarch64"
    assert TARGETS["x86_64"].platforms[0] == "manylinux2014_x86_64"


def test_pruning_drops_caches_scripts_and_the_cli_but_keeps_the_library(tmp_path: Path) -> None:
    for relative in (
        "loyalty/__init__.py",
        "loyalty/__pycache__/__init__.cpython-312.pyc",
        "loyalty/domain/stale.pyc",
        "loyalty_cli/app.py",
        "bin/loyalty",
        "pydantic-2.0.dist-info/RECORD",
    ):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    prune(tmp_path)
    remaining = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert remaining == [
        "loyalty",
        "loyalty/__init__.py",
        "loyalty/domain",
        "pydantic-2.0.dist-info",
        "pydantic-2.0.dist-info/RECORD",
    ]


def test_the_zip_has_python_at_its_root_and_is_reproducible(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "loyalty").mkdir(parents=True)
    (site / "loyalty" / "__init__.py").write_text("VALUE = 1\n" * 100)
    (site / "typing_extensions.py").write_text("")
    first = write_layer_zip(site, tmp_path / "a" / "layer.zip", "arm64", [Pin("x", "1")])
    second = write_layer_zip(site, tmp_path / "b" / "layer.zip", "arm64")
    with zipfile.ZipFile(first.path) as archive:
        assert archive.namelist() == ["python/loyalty/__init__.py", "python/typing_extensions.py"]
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.unzipped_bytes == 1000
    assert first.zipped_bytes < 1000
    assert first.files == 2
    assert first.summary().startswith(f"{first.path}: 0.00 MB zipped, 0.00 MB unzipped, 2 files")
    assert "(x==1)" in first.summary()
