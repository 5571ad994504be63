"""Cold start stays lean: an entrypoint imports neither the CLI, the sandbox nor test tooling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Top-level packages a Lambda container must never load.
FORBIDDEN = {"loyalty_cli", "typer", "rich", "click", "moto", "pytest", "hypothesis", "tests"}


@pytest.mark.parametrize("entrypoint", ["ingest", "aggregate", "get_points"])
def test_an_entrypoint_loads_no_cli_sandbox_or_test_code(entrypoint: str) -> None:
    code = f"import json, sys; import lambda_entrypoints.{entrypoint}; print(json.dumps(list(sys.modules)))"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "LOYALTY_", "POWERTOOLS_"))
    }
    environment.update(
        LOYALTY_TABLE_NAME="loyalty-test", AWS_DEFAULT_REGION="eu-west-1", PYTHONPATH=str(ROOT)
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=environment,
    )
    loaded = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert "loyalty" in loaded
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & FORBIDDEN)
