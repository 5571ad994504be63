"""Global options go before or after the command, as with the AWS CLI; their variables still work."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.support.aws import TABLE_NAME, create_table
from tests.support.builders import active_transaction

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from loyalty import DynamoDBLoyaltyRepository
    from tests.functional.cli.conftest import Cli

OTHER_TABLE = "loyalty-other"


@pytest.fixture
def earned(repository: DynamoDBLoyaltyRepository) -> None:
    repository.record_transaction(
        active_transaction("c-1", "b-1", 700, expires_at=int(time.time()) + 3_600)
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--table", TABLE_NAME, "--output", "json", "transactions", "c-1"),
        ("transactions", "c-1", "--table", TABLE_NAME, "--output", "json"),
        ("--table", TABLE_NAME, "transactions", "c-1", "-o", "json"),
        ("-o", "json", "transactions", "--table", TABLE_NAME, "c-1"),
    ],
)
def test_the_table_and_output_options_work_before_or_after_the_command(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, earned: None, args: tuple[str, ...]
) -> None:
    monkeypatch.delenv("LOYALTY_TABLE_NAME")
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert '"balance": 700' in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("show", "c-1", "--table", TABLE_NAME, "--output", "json"),
        ("--table", TABLE_NAME, "--output", "json", "show", "c-1"),
        ("backfill", "--dry-run", "--table", TABLE_NAME, "--output", "json"),
        ("--table", TABLE_NAME, "backfill", "--dry-run", "--output", "json"),
        ("fake", "issue", "--dry-run", "--table", TABLE_NAME, "-o", "json"),
        ("--table", TABLE_NAME, "-o", "json", "fake", "issue", "--dry-run"),
    ],
)
def test_every_kind_of_command_accepts_the_global_options_in_either_place(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, earned: None, args: tuple[str, ...]
) -> None:
    monkeypatch.delenv("LOYALTY_TABLE_NAME")
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("{")


def test_an_option_after_the_command_wins_over_the_same_option_before_it(
    cli: Cli, dynamodb: DynamoDBClient, earned: None
) -> None:
    create_table(dynamodb, OTHER_TABLE)
    after = cli.json("--table", OTHER_TABLE, "transactions", "c-1", "--table", TABLE_NAME)
    assert after["balance"] == 700
    before = cli.json("--table", TABLE_NAME, "transactions", "c-1", "--table", OTHER_TABLE)
    assert before["count"] == 0


def test_an_option_after_the_command_wins_over_its_environment_variable(
    cli: Cli, dynamodb: DynamoDBClient, earned: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_table(dynamodb, OTHER_TABLE)
    monkeypatch.setenv("LOYALTY_TABLE_NAME", OTHER_TABLE)
    assert cli.json("transactions", "c-1")["count"] == 0
    assert cli.json("transactions", "c-1", "--table", TABLE_NAME)["balance"] == 700


def test_the_aws_variables_still_configure_the_clients(
    cli: Cli, earned: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = cli("transactions", "c-1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot reach the AWS endpoint")


def test_an_unknown_profile_after_the_command_is_one_line(
    cli: Cli, dynamodb: DynamoDBClient
) -> None:
    result = cli("transactions", "c-1", "--profile", "nobody")
    assert result.exit_code == 2
    assert "nobody" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_region_after_the_command_is_used(cli: Cli, earned: None) -> None:
    result = cli("show", "c-1", "--region", "eu-central-1")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: table {TABLE_NAME!r} not found")


def test_debug_after_the_command_shows_the_exception(cli: Cli) -> None:
    result = cli("transactions", "c-1", "--endpoint-url", "http://127.0.0.1:9", "--debug")
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "EndpointConnectionError"


def test_every_command_lists_the_global_options_in_its_help(cli: Cli) -> None:
    for command in (["show"], ["backfill"], ["replay-dlq"], ["fake", "issue"], ["ingest"]):
        result = cli(*command, "--help")
        assert result.exit_code == 0
        for option in ("--table", "--region", "--endpoint-url", "--profile", "--output", "--debug"):
            assert option in result.stdout, (command, option)
