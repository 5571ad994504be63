"""Counting DynamoDB requests and write units, and injecting round-trip delay, via botocore hooks.

moto answers ``ReturnConsumedCapacity`` with a constant (1.0 for any write, 0.5 for any read,
whatever the item size) and reports nothing for a failed conditional write, so write units are
computed here from item sizes with DynamoDB's rule instead: a write consumes 1 WCU per started
KB of the larger of the item before and after it, at least 1, and a write whose condition fails
still consumes them (sized on the stored item, or the attempted one for a put). An item written
in a ``TransactWriteItems`` costs twice that (DynamoDB prepares and commits it); a cancelled
transaction is counted as if it had committed, an upper bound.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from contextlib import contextmanager
from decimal import Decimal
from io import BytesIO
from typing import TYPE_CHECKING, Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from loyalty.domain.aggregates import CustomerAggregate
from loyalty.domain.tiers import Tier
from loyalty.repository.dynamodb import dynamodb_client_config
from loyalty.repository.items import aggregate_to_item
from loyalty.testing import RequestCounter

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Iterator, Mapping

    from mypy_boto3_dynamodb import DynamoDBClient

REGION = "eu-west-1"

__all__ = [
    "READ_OPERATIONS",
    "STATEMENT_OPERATIONS",
    "TRANSACTION_OPERATIONS",
    "WRITE_OPERATIONS",
    "CostMeter",
    "canned_answer",
    "dynamodb_client",
    "inject_delay",
    "item_size",
    "round_trip_stub",
    "write_units",
]

WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem")
TRANSACTION_OPERATIONS = ("TransactWriteItems",)
STATEMENT_OPERATIONS = ("BatchExecuteStatement",)
READ_OPERATIONS = ("GetItem", "BatchGetItem", "Query", "Scan")
_KB = 1024
_TRANSACTIONAL = 2
"""Write units of an item in a transaction, per unit of the same write on its own."""


def dynamodb_client(*, endpoint_url: str | None = None, validate: bool = False) -> DynamoDBClient:
    """A DynamoDB client configured as the entrypoints' (inside ``mock_aws``: moto in-process).

    ``validate`` turns botocore's parameter validation back on: the client as it was configured
    before it was turned off, for comparison.
    """
    config = dynamodb_client_config()
    if validate:
        config = config.merge(Config(parameter_validation=True))
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint_url, config=config)


def _number_size(text: str) -> int:
    # 1 byte per two significant digits, plus 1.
    digits = len(Decimal(text).normalize().as_tuple().digits)
    return math.ceil(digits / 2) + 1


def _value_size(value: Mapping[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        return _number_size(str(content))
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(element).encode()) for element in content)
    if kind == "NS":
        return sum(_number_size(str(element)) for element in content)
    if kind == "BS":
        return sum(len(element) for element in content)
    if kind == "L":
        return 3 + sum(1 + _value_size(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + item_size({name: element}) for name, element in content.items())
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size in bytes as DynamoDB bills it: names plus values."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def write_units(size_before: int, size_after: int) -> int:
    """WCU of one standard write: 1 per started KB of the larger image, at least 1."""
    return max(1, math.ceil(max(size_before, size_after) / _KB))


class CostMeter:
    """Requests by operation (``loyalty.testing.RequestCounter``) and write units of one client.

    Before each write the stored item is read through a second, unmetered client; after it, the
    item is read again. Use it with sequential writes (``InlineExecutor``): concurrent writes to
    one item would blur the before and after images.
    """

    def __init__(self, client: DynamoDBClient, *, endpoint_url: str | None = None) -> None:
        self.requests = RequestCounter(client)
        self.write_units = 0
        self.consistent_reads = 0
        self.transaction_items = 0
        self._peek = dynamodb_client(endpoint_url=endpoint_url)
        self._keys: dict[str, list[str]] = {}
        events = client.meta.events
        for operation in WRITE_OPERATIONS:
            events.register(f"before-parameter-build.dynamodb.{operation}", self._before)
            events.register(f"after-call.dynamodb.{operation}", self._after)
        for operation in TRANSACTION_OPERATIONS:
            events.register(f"before-parameter-build.dynamodb.{operation}", self._before_many)
            events.register(f"after-call.dynamodb.{operation}", self._after_many)
        for operation in STATEMENT_OPERATIONS:
            events.register(f"before-parameter-build.dynamodb.{operation}", self._before_statements)
            events.register(f"after-call.dynamodb.{operation}", self._after_statements)
        for operation in READ_OPERATIONS:
            events.register(f"before-parameter-build.dynamodb.{operation}", self._read)

    @property
    def calls(self) -> Counter[str]:
        return self.requests.calls

    @property
    def writes(self) -> int:
        operations = (*WRITE_OPERATIONS, *TRANSACTION_OPERATIONS, *STATEMENT_OPERATIONS)
        return sum(self.calls[name] for name in operations)

    @property
    def reads(self) -> int:
        return sum(self.calls[name] for name in READ_OPERATIONS)

    def reset(self) -> None:
        self.requests.reset()
        self.write_units = 0
        self.consistent_reads = 0
        self.transaction_items = 0

    def _read(self, params: Mapping[str, Any], **_: Any) -> None:
        requests = params.get("RequestItems", {}).values() if "RequestItems" in params else [params]
        if any(request.get("ConsistentRead") for request in requests):
            self.consistent_reads += 1

    def _before_many(self, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        writes = []
        for action in params["TransactItems"]:
            ((kind, write),) = action.items()
            if kind == "ConditionCheck":
                continue
            table = write["TableName"]
            key = self._key(table, write)
            attempted = item_size(write["Item"]) if "Item" in write else 0
            writes.append((table, key, self._stored_size(table, key), attempted))
        self.transaction_items += len(writes)
        context["bench_writes"] = writes

    def _after_many(self, parsed: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        cancelled = parsed.get("Error", {}).get("Code") == "TransactionCanceledException"
        for table, key, before, attempted in context["bench_writes"]:
            after = attempted if cancelled else self._stored_size(table, key)
            self.write_units += _TRANSACTIONAL * write_units(before, after)

    def _before_statements(
        self, params: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        # Each statement of a PartiQL batch is billed as the single write it stands for.
        writes = []
        for statement in params["Statements"]:
            table, item = _statement_write(statement)
            key = self._key(table, {"Item": item})
            attempted = item_size(item) if statement["Statement"].startswith("INSERT") else 0
            writes.append((table, key, self._stored_size(table, key), attempted))
        context["bench_writes"] = writes

    def _after_statements(
        self, parsed: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        answers = parsed.get("Responses", [])
        for (table, key, before, attempted), answer in zip(
            context["bench_writes"], answers, strict=True
        ):
            after = attempted if "Error" in answer else self._stored_size(table, key)
            self.write_units += write_units(before, after)

    def _key(self, table: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if "Key" in params:
            return dict(params["Key"])
        if table not in self._keys:
            schema = self._peek.describe_table(TableName=table)["Table"]["KeySchema"]
            self._keys[table] = [element["AttributeName"] for element in schema]
        return {name: params["Item"][name] for name in self._keys[table]}

    def _stored_size(self, table: str, key: Mapping[str, Any]) -> int:
        item = self._peek.get_item(TableName=table, Key=dict(key), ConsistentRead=True).get("Item")
        return item_size(item) if item else 0

    def _before(self, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        table = params["TableName"]
        key = self._key(table, params)
        attempted = item_size(params["Item"]) if "Item" in params else 0
        context["bench_write"] = (table, key, self._stored_size(table, key), attempted)

    def _after(self, parsed: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        table, key, before, attempted = context["bench_write"]
        failed = parsed.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
        after = attempted if failed else self._stored_size(table, key)
        self.write_units += write_units(before, after)


_STATEMENT_TABLE = re.compile(r'^(?:UPDATE|INSERT INTO)\s+"([^"]+)"')
_STATEMENT_NAMES = re.compile(r"""["']([^"']+)["']\s*[=:]\s*\?""")


def _statement_write(statement: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The table and the attributes a write statement binds, by name (its key among them)."""
    text = statement["Statement"]
    match = _STATEMENT_TABLE.match(text)
    if match is None:
        raise ValueError(f"not a write statement: {text!r}")
    names = _STATEMENT_NAMES.findall(text)
    return match[1], dict(zip(names, statement["Parameters"], strict=True))


def _sleep_before_send(delay: float, jitter: float) -> Any:
    def sleep(**_: Any) -> None:
        time.sleep(max(0.0, random.uniform(delay - jitter, delay + jitter)))

    return sleep


@contextmanager
def inject_delay(client: DynamoDBClient, seconds: float, jitter: float = 0.0) -> Iterator[None]:
    """Make every request of ``client`` take ``seconds`` ± ``jitter`` (uniform) longer, like a
    network round trip.

    Registered first on ``before-send`` so it runs before moto's handler answers the request.
    """
    handler = _sleep_before_send(seconds, jitter)
    client.meta.events.register_first("before-send.dynamodb.*", handler, unique_id="bench-delay")
    try:
        yield
    finally:
        client.meta.events.unregister("before-send.dynamodb.*", unique_id="bench-delay")


class _RawBody(BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def _stored_aggregate(key: Mapping[str, Any]) -> dict[str, Any]:
    customer = key["pk"]["S"].removeprefix("AGG#")
    return aggregate_to_item(
        CustomerAggregate(customer, 0, Tier.BRONZE, lots=(), applied_sequence="0", version=1)
    )


def canned_answer(operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """A successful DynamoDB answer to ``body``: writes succeed, every aggregate read finds one."""
    if operation == "GetItem":
        key = body["Key"]
        return {"Item": _stored_aggregate(key)} if key["pk"]["S"].startswith("AGG#") else {}
    if operation == "BatchGetItem":
        return {
            "Responses": {
                table: [_stored_aggregate(key) for key in spec["Keys"]]
                for table, spec in body["RequestItems"].items()
            },
            "UnprocessedKeys": {},
        }
    if operation == "BatchExecuteStatement":
        return {"Responses": [{} for _ in body["Statements"]]}
    return {}


@contextmanager
def round_trip_stub(client: DynamoDBClient, seconds: float) -> Iterator[None]:
    """Answer every request of ``client`` after ``seconds``, with no server-side CPU.

    A ``before-send`` hook sleeps (the round trip) and returns a canned success: writes succeed,
    a read of an aggregate finds one (points 0, version 1, nothing applied). botocore still
    serialises each request and parses each response, as in Lambda; only the server's work, which
    in production runs elsewhere, is gone (in-process moto would share this process's GIL). With
    ``seconds`` 0 nothing sleeps: even ``time.sleep(0)`` gives up the GIL and the core.
    """

    def answer(request: Any, **_: Any) -> AWSResponse:
        if seconds:
            time.sleep(seconds)
        target = request.headers["X-Amz-Target"]
        target = target.decode() if isinstance(target, bytes) else target
        body = json.loads(request.body or b"{}")
        payload = json.dumps(canned_answer(target.rpartition(".")[2], body)).encode()
        headers: Any = {"Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _RawBody(payload))

    handler: Any = answer  # botocore types handlers as returning None; before-send may answer
    client.meta.events.register_first("before-send.dynamodb.*", handler, unique_id="bench-stub")
    try:
        yield
    finally:
        client.meta.events.unregister("before-send.dynamodb.*", unique_id="bench-stub")
