"""A wheel carries everything the sandbox runs: the template and every Lambda entrypoint."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_every_lambda_entrypoint_and_the_template_are_packaged_with_the_sandbox() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    entrypoints = sorted(
        f"lambda_entrypoints/{path.name}"
        for path in (ROOT / "lambda_entrypoints").glob("*.py")
        if path.name != "__init__.py"
    )
    assert included == {
        "template.yaml": "loyalty_sandbox/template.yaml",
        **{source: f"loyalty_sandbox/{source}" for source in entrypoints},
    }
