"""``loyalty demo`` and ``loyalty sandbox`` as an operator runs them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from typing import Any

import boto3
from typer.testing import CliRunner

from loyalty import booking_event, build_sns_message
from loyalty_cli.app import app


def test_the_demo_checks_its_own_final_state_and_exits_zero() -> None:
    result = CliRunner().invoke(
        app, ["--output", "json", "demo", "--customers", "6", "--fake-ttl", "2"]
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert all(check["ok"] for check in report["checks"]), report["checks"]
    punctual = report["checks"][0]
    assert punctual["name"].endswith("at their expiry, before any TTL deletion")
    assert "fake transactions still in the ledger" in punctual["detail"]
    assert report["counts"]["sent_to_dlq"] == 1
    assert report["counts"]["expired"] > 0
    assert report["counts"]["duplicates_ignored"] > 0
    assert len(report["customers"]) == 6


def _read_json(stream: Any) -> dict[str, Any]:
    text = ""
    for line in stream:
        text += line
        try:
            document: dict[str, Any] = json.loads(text)
        except ValueError:
            continue
        return document
    raise AssertionError(f"no JSON document on stdout: {text!r}")


def _loyalty(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from loyalty_cli.app import main; main()", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_the_sandbox_command_prints_where_it_runs_serves_until_terminated_and_stops_cleanly() -> (
    None
):
    process = _loyalty("-o", "json", "sandbox")
    try:
        started = _read_json(process.stdout)
        exports = started["environment"]
        assert started["endpointUrl"].startswith("http://127.0.0.1:")
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=exports["AWS_ENDPOINT_URL"],
            region_name=exports["AWS_DEFAULT_REGION"],
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        )
        assert exports["LOYALTY_TABLE_NAME"] in dynamodb.list_tables()["TableNames"]
        assert exports["LOYALTY_DLQ_URL"].endswith("loyalty-ingest-dlq")
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors


def test_the_sandbox_command_prints_each_tier_change_as_it_is_published() -> None:
    process = _loyalty("-o", "json", "sandbox")
    try:
        exports = _read_json(process.stdout)["environment"]
        sns = boto3.client(
            "sns",
            endpoint_url=exports["AWS_ENDPOINT_URL"],
            region_name=exports["AWS_DEFAULT_REGION"],
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        )
        message = build_sns_message(booking_event("climber", "b-1", 60_000))
        sns.publish(TopicArn=exports["LOYALTY_TOPIC_ARN"], **message)
        assert process.stdout is not None
        event = json.loads(process.stdout.readline())  # blocks until the change is printed
        assert (event["eventType"], event["customerId"]) == ("TierChanged", "climber")
        assert (event["from"], event["to"]) == ("BRONZE", "SILVER")
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors


def test_the_sandbox_on_a_port_in_use_exits_at_once_with_one_line_naming_the_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _loyalty("sandbox", "--port", str(port))
        try:
            output, errors = process.communicate(timeout=20)
        finally:
            process.kill()

    assert process.returncode == 1
    assert output == ""
    assert errors == (
        f"error: port {port} on 127.0.0.1 is already in use: stop the program using it, "
        "or pick another --port (0 picks a free one)\n"
    )


def test_ctrl_c_stops_the_sandbox_and_the_process_exits_within_seconds() -> None:
    process = _loyalty("sandbox")
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Ctrl-C to stop" in line:
                break
        process.send_signal(signal.SIGINT)
        # Stopping waits for rounds in progress (a one-second long poll at most) and the
        # emulator; a thread that ignored the stop would run into this bound.
        _, errors = process.communicate(timeout=8)
    finally:
        process.kill()

    assert process.returncode == 0, errors
    assert "sandbox stopped" in errors
