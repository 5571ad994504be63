"""The app itself: help without heavy imports, version, and one-line errors for known failures."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

import loyalty
from tests.support.aws import TABLE_NAME

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

    from tests.functional.cli.conftest import Cli

HEAVY = ("boto3", "botocore", "moto", "pydantic", "loyalty")

PROBE = """
import json, sys
from typer.testing import CliRunner
from loyalty_cli.app import app
result = CliRunner().invoke(app, sys.argv[1:])
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[0])))
print(json.dumps({"exit_code": result.exit_code, "heavy": heavy, "output": result.output}))
"""


def _probe(*args: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.replace("sys.argv[0]", repr(json.dumps(HEAVY))), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    probed: dict[str, object] = json.loads(completed.stdout)
    return probed


def test_help_imports_neither_boto3_nor_moto_nor_pydantic_nor_the_library() -> None:
    probed = _probe("--help")
    assert probed["exit_code"] == 0
    assert "Usage" in str(probed["output"])
    assert probed["heavy"] == []


@pytest.mark.parametrize(
    "args", [("replay-dlq", "--help"), ("fake", "issue", "--help"), ("ingest", "--help")]
)
def test_command_help_imports_neither_boto3_nor_moto_nor_the_library(
    args: tuple[str, ...],
) -> None:
    # Typer itself coerces the global options' values through pydantic before a command's
    # --help runs, so pydantic is Typer's import here, not ours.
    probed = _probe(*args)
    assert probed["exit_code"] == 0
    assert "Usage" in str(probed["output"])
    assert set(probed["heavy"]) <= {"pydantic"}  # type: ignore[arg-type]


def test_version_prints_the_package_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"loyalty {loyalty.__version__}\n"


def test_a_missing_table_name_is_one_line_on_stderr_and_a_usage_exit(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOYALTY_TABLE_NAME")
    result = cli("transactions", "customer-1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "error: no table name: pass --table or set LOYALTY_TABLE_NAME\n"


def test_an_unknown_table_is_one_line_naming_the_table(cli: Cli, dynamodb: DynamoDBClient) -> None:
    result = cli("--table", "no-such-table", "transactions", "customer-1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: table 'no-such-table' not found")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_credentials_are_one_line(
    cli: Cli, dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/missing-credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/missing-config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = cli("transactions", "customer-1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no AWS credentials found")
    assert len(result.stderr.splitlines()) == 1


def test_an_unknown_profile_is_one_line(cli: Cli, dynamodb: DynamoDBClient) -> None:
    result = cli("--profile", "nobody", "transactions", "customer-1")
    assert result.exit_code == 2
    assert "nobody" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_access_denied_is_one_line_naming_the_operation(
    cli: Cli, dynamodb: DynamoDBClient, fail_calls: Callable[..., None]
) -> None:
    fail_calls("dynamodb", "Query", "AccessDeniedException")
    result = cli("transactions", "customer-1")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: access denied (Query: AccessDeniedException): injected AccessDeniedException\n"
    )


def test_debug_shows_the_exception_instead_of_one_line(
    cli: Cli, dynamodb: DynamoDBClient, fail_calls: Callable[..., None]
) -> None:
    fail_calls("dynamodb", "Query", "AccessDeniedException")
    result = cli("--debug", "transactions", "customer-1")
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "ClientError"


def test_an_unreachable_endpoint_is_one_line(cli: Cli) -> None:
    result = cli("--endpoint-url", "http://127.0.0.1:9", "transactions", "customer-1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach the AWS endpoint")
    assert len(result.stderr.splitlines()) == 1


def test_the_table_option_overrides_the_environment(cli: Cli, dynamodb: DynamoDBClient) -> None:
    assert cli.json("--table", TABLE_NAME, "transactions", "nobody")["count"] == 0
