"""The emulator in its own process: lifecycle, and moto's answers as the sandbox patches them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.dynamodb.models import dynamodb_backends
from moto.server import ThreadedMotoServer

from loyalty_sandbox.engine import FAKE_CREDENTIALS
from loyalty_sandbox.server import EmulatorServer, PortInUseError

if TYPE_CHECKING:
    from collections.abc import Iterator

REGION = "eu-west-1"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _client(service: str, endpoint_url: str | None = None) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def _port(endpoint_url: str) -> int:
    return int(endpoint_url.rsplit(":", 1)[1])


def _refuses_connections(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_emulator_serves_on_127_0_0_1_from_a_process_of_its_own(
    emulator: EmulatorServer,
) -> None:
    assert emulator.endpoint_url.startswith("http://127.0.0.1:")
    dynamodb = _client("dynamodb", emulator.endpoint_url)
    dynamodb.create_table(
        TableName="owned-by-the-emulator",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    assert dynamodb.list_tables()["TableNames"] == ["owned-by-the-emulator"]
    # moto's backends are process-wide: this process's own never saw the table.
    assert "owned-by-the-emulator" not in dynamodb_backends["123456789012"][REGION].tables


def test_a_taken_port_raises_port_in_use_naming_the_port_and_starts_nothing() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = EmulatorServer(port)

        with pytest.raises(PortInUseError) as raised:
            server.start()

    assert str(raised.value) == f"port {port} on 127.0.0.1 is already in use"
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.endpoint_url


def test_stopping_ends_the_process_and_frees_the_port_for_the_next_emulator() -> None:
    server = EmulatorServer()
    server.start()
    port = _port(server.endpoint_url)

    server.stop()
    server.stop()  # stopping a stopped emulator does nothing

    assert _refuses_connections(port)
    again = EmulatorServer(port)
    again.start()
    try:
        assert _client("sqs", again.endpoint_url).list_queues().get("QueueUrls", []) == []
    finally:
        again.stop()


def test_the_emulator_process_ends_when_the_process_that_started_it_is_killed() -> None:
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from loyalty_sandbox.server import EmulatorServer\n"
            "server = EmulatorServer()\n"
            "server.start()\n"
            "print(server.endpoint_url, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert starter.stdout is not None
        port = _port(starter.stdout.readline().strip())
        assert not _refuses_connections(port)
    finally:
        starter.kill()
        starter.wait()

    deadline = time.monotonic() + 10
    while not _refuses_connections(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _refuses_connections(port)


def test_a_running_sandbox_never_imports_moto_in_its_own_process() -> None:
    # Whatever touches moto's in-memory state must run in the emulator process, where the
    # patches are installed; this test's own process has moto imported already.
    script = (
        "import sys\n"
        "from loyalty import booking_event, build_sns_message\n"
        "from loyalty_sandbox import Sandbox\n"
        "with Sandbox() as sandbox:\n"
        "    message = build_sns_message(booking_event('c-1', 'b-1', 100))\n"
        "    sandbox.client('sns').publish(TopicArn=sandbox.resources.topic_arn, **message)\n"
        "    sandbox.drain()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in {'moto', 'werkzeug'}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "[]\n"


def _every_kind_of_record(dynamodb: Any, streams: Any) -> dict[str, Any]:
    """Write one item of every attribute type, update and delete it; read the stream."""
    name = f"kinds-{uuid.uuid4().hex[:8]}"
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    item = {
        "pk": {"S": "p-1"},
        "n": {"N": "12.5"},
        "b": {"B": b"\x00\xffbinary"},
        "yes": {"BOOL": True},
        "none": {"NULL": True},
        "m": {"M": {"inner": {"S": "x"}, "count": {"N": "3"}}},
        "l": {"L": [{"S": "a"}, {"N": "1"}]},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2"]},
        "bs": {"BS": [b"one", b"two"]},
    }
    dynamodb.put_item(TableName=name, Item=item)
    dynamodb.update_item(
        TableName=name,
        Key={"pk": {"S": "p-1"}},
        UpdateExpression="SET n = :n",
        ExpressionAttributeValues={":n": {"N": "13"}},
    )
    dynamodb.delete_item(TableName=name, Key={"pk": {"S": "p-1"}})
    arn = table["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    response: dict[str, Any] = streams.get_records(ShardIterator=iterator)
    return response


def _sets_sorted(value: Any) -> Any:
    # A set's order is its process's string hashing: it differs between two servers.
    if isinstance(value, dict):
        return {
            key: sorted(item) if key in {"SS", "NS", "BS"} else _sets_sorted(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_sets_sorted(item) for item in value]
    return value


def _comparable(response: dict[str, Any]) -> list[dict[str, Any]]:
    # Identifiers, sequence numbers and times differ between two runs, not their form.
    records = []
    for record in response["Records"]:
        change = dict(record["dynamodb"])
        assert change.pop("ApproximateCreationDateTime").tzinfo is not None
        assert change.pop("SequenceNumber").isdigit()
        # moto's estimate: the length of the change as JSON, its timestamp's digits included.
        assert change.pop("SizeBytes") > 0
        assert record["eventID"]
        records.append({**record, "eventID": "", "dynamodb": _sets_sorted(change)})
    return records


def test_stream_records_read_from_the_emulator_are_what_moto_s_own_server_gives(
    emulator: EmulatorServer,
) -> None:
    stock = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    stock.start()
    try:
        host, port = stock.get_host_and_port()
        url = f"http://{host}:{port}"
        expected = _comparable(
            _every_kind_of_record(_client("dynamodb", url), _client("dynamodbstreams", url))
        )
    finally:
        stock.stop()
    served = _every_kind_of_record(
        _client("dynamodb", emulator.endpoint_url),
        _client("dynamodbstreams", emulator.endpoint_url),
    )

    assert [record["eventName"] for record in expected] == ["INSERT", "MODIFY", "REMOVE"]
    assert _comparable(served) == expected
    assert served["NextShardIterator"]
    assert expected[0]["dynamodb"]["NewImage"]["n"] == {"N": "12.5"}
    assert Decimal(expected[1]["dynamodb"]["NewImage"]["n"]["N"]) == 13
