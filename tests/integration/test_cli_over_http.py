"""The installed ``loyalty`` entry point in a subprocess against moto's server over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.support.aws import REGION, TABLE_NAME, create_table
from tests.support.builders import booking_body

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    create_table(
        boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
    )
    yield url
    server.stop()


def loyalty(endpoint: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "LOYALTY_TABLE_NAME": TABLE_NAME,
    }
    environment.pop("AWS_PROFILE", None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from loyalty_cli.app import main; main()",
            "--endpoint-url",
            endpoint,
            *args,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def test_bookings_ingested_over_http_show_up_in_the_ledger(endpoint: str) -> None:
    lines = "\n".join(json.dumps(booking_body(booking_id=f"b-{n}", amount=500)) for n in range(3))
    ingested = loyalty(endpoint, "--output", "json", "ingest", "-", stdin=lines)
    assert ingested.returncode == 0, ingested.stderr
    assert json.loads(ingested.stdout)["summary"]["new"] == 3
    listed = loyalty(endpoint, "--output", "json", "transactions", "customer-1")
    assert json.loads(listed.stdout)["balance"] == 1_500


def test_a_failure_over_http_is_one_line_without_a_traceback(endpoint: str) -> None:
    result = loyalty(endpoint, "--table", "missing", "show", "customer-1")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: table 'missing' not found")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
