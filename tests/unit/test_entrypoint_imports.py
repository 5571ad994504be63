"""Cold start stays lean: an entrypoint imports only what it uses.

Never the CLI, the sandbox or test tooling; never boto3 (its import pulls s3transfer, which no
function uses: clients come from a botocore session); never pydantic (bookings and redemption
requests are checked by hand: decision 0014).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Top-level packages a Lambda container must never load.
FORBIDDEN = {
    "loyalty_cli", "typer", "rich", "click", "moto", "pytest", "hypothesis", "tests",
    "boto3", "s3transfer", "pydantic", "pydantic_core",
}  # fmt: skip


def _loaded_packages(entrypoint: str) -> set[str]:
    code = f"import json, sys; import lambda_entrypoints.{entrypoint}; print(json.dumps(list(sys.modules)))"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "LOYALTY_", "POWERTOOLS_"))
    }
    environment.update(
        LOYALTY_TABLE_NAME="loyalty-test",
        LOYALTY_EVENTS_TOPIC_ARN="arn:aws:sns:eu-west-1:123456789012:loyalty-events",
        AWS_DEFAULT_REGION="eu-west-1",
        PYTHONPATH=os.pathsep.join((str(ROOT / "src"), str(ROOT))),
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=environment,
    )
    return {name.split(".")[0] for name in json.loads(result.stdout)}


@pytest.mark.parametrize(
    "entrypoint", ["ingest", "aggregate", "get_points", "notify", "redemptions"]
)
def test_an_entrypoint_loads_no_boto3_pydantic_cli_sandbox_or_test_code(entrypoint: str) -> None:
    loaded = _loaded_packages(entrypoint)
    assert {"loyalty", "botocore"} <= loaded
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & FORBIDDEN)
