"""The real layer build (pip against PyPI): layout and native extensions per architecture."""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

import pytest

from scripts.build_layer import LayerBuildError, LayerReport, build_layer, build_layers

if TYPE_CHECKING:
    from pathlib import Path

# Downloads and unpacks every dependency twice: left out of the fast loop (pytest -m "not slow").
pytestmark = pytest.mark.slow

# ELF e_machine of each Lambda architecture, and the tag in extension module file names.
ELF_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}
FILENAME_TAG = {"x86_64": "-x86_64-linux-gnu.so", "arm64": "-aarch64-linux-gnu.so"}
NATIVE_PACKAGES = ("pydantic_core", "cyksuid")


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LayerReport]:
    reports = build_layers(["x86_64", "arm64"], tmp_path_factory.mktemp("dist"))
    return {report.architecture: report for report in reports}


def names(report: LayerReport) -> list[str]:
    with zipfile.ZipFile(report.path) as archive:
        return archive.namelist()


@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
def test_each_zip_holds_the_library_and_its_dependencies_under_python(
    layers: dict[str, LayerReport], architecture: str
) -> None:
    report = layers[architecture]
    assert report.path.name == f"loyalty-layer-{architecture}.zip"
    entries = names(report)
    assert all(name.startswith("python/") for name in entries)
    top_level = {name.split("/")[1] for name in entries}
    assert {"loyalty", "pydantic", "pydantic_core", "aws_lambda_powertools", "cyksuid"} <= top_level
    assert "python/loyalty/__init__.py" in entries
    assert "python/loyalty/py.typed" in entries
    assert {"boto3", "botocore", "s3transfer", "urllib3", "loyalty_cli", "bin"}.isdisjoint(
        top_level
    )
    assert not [name for name in entries if "__pycache__" in name or name.endswith(".pyc")]
    assert {pin.name for pin in report.distributions} >= {
        "loyalty-ledger",
        "pydantic-core",
        "cyksuid",
    }


@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
@pytest.mark.parametrize("package", NATIVE_PACKAGES)
def test_native_extensions_are_built_for_the_zips_architecture(
    layers: dict[str, LayerReport], architecture: str, package: str
) -> None:
    with zipfile.ZipFile(layers[architecture].path) as archive:
        extensions = [
            name
            for name in archive.namelist()
            if name.startswith(f"python/{package}/") and name.endswith(".so")
        ]
        assert extensions
        for name in extensions:
            assert ".cpython-312-" in name
            assert name.endswith(FILENAME_TAG[architecture]), name
            header = archive.read(name)[:20]
            assert header[:4] == b"\x7fELF"
            assert int.from_bytes(header[18:20], "little") == ELF_MACHINE[architecture], name


def test_a_dependency_without_a_wheel_for_the_target_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An index that offers the dependency only as an sdist, which a layer cannot use.
    index = tmp_path / "index"
    index.mkdir()
    (index / "needs_native_thing-1.0.tar.gz").write_bytes(b"")
    wheel = index / "needs_native-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(
            "needs_native-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: needs-native\nVersion: 1.0\n"
            "Requires-Dist: needs-native-thing\n",
        )
        archive.writestr(
            "needs_native-1.0.dist-info/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr("needs_native-1.0.dist-info/RECORD", "")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    with pytest.raises(LayerBuildError) as raised:
        build_layer(wheel, "arm64", tmp_path / "dist")
    assert str(raised.value).startswith(
        "dependency 'needs-native-thing' has no wheel for CPython 3.12 on arm64"
    )
    assert not (tmp_path / "dist").exists()
