"""Handlers sharing the sandbox's process: each invocation's logs name its own function."""

from __future__ import annotations

import io
import json
import logging
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from loyalty.testing import LambdaContext
from loyalty_sandbox.functions import load_function
from tests.support.aws import REGION
from tests.support.builders import sqs_event, sqs_record

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

    from mypy_boto3_dynamodb import DynamoDBClient


def _library_log(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@contextmanager
def _library_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handlers = [
        h for h in logging.getLogger("loyalty").handlers if isinstance(h, logging.StreamHandler)
    ]
    assert handlers, "the library's loggers have no handler: bootstrap did not configure them"
    previous = [handler.setStream(stream) for handler in handlers]
    try:
        yield stream
    finally:
        for handler, old in zip(handlers, previous, strict=True):
            handler.setStream(old)


def _load(name: str) -> ModuleType:
    return load_function(name, {**os.environ, "LOG_LEVEL": "INFO", "POWERTOOLS_LOG_LEVEL": "INFO"})


def test_ingest_rejections_name_the_ingest_function_and_each_invocation_s_request_id(
    dynamodb: DynamoDBClient,
) -> None:
    ingest = _load("ingest")
    # Loaded last, the aggregate function's logger is the one the library's loggers share.
    _load("aggregate")
    contexts = [LambdaContext("IngestFunction", 30, REGION) for _ in range(2)]

    with _library_logs() as stream:
        for context in contexts:
            ingest.handler(sqs_event(sqs_record(None, raw_body="not json")), context)

    rejections = [
        line for line in _library_log(stream) if line["message"].startswith("rejected booking")
    ]
    assert [line["service"] for line in rejections] == ["loyalty-ingest"] * 2
    assert [line["function_name"] for line in rejections] == ["IngestFunction"] * 2
    assert [line["function_request_id"] for line in rejections] == [
        context.aws_request_id for context in contexts
    ]
