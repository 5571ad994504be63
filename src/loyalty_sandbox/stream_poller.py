"""DynamoDB Streams → Lambda: a local event source mapping for the aggregate handler."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from loyalty.inbound.batch_response import failed_identifiers
from loyalty.inbound.streams import TTL_USER_IDENTITY
from loyalty.testing import LambdaContext
from loyalty_sandbox.filters import EventFilter
from loyalty_sandbox.stats import Stats
from loyalty_sandbox.workers import PollingWorker

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_dynamodbstreams.type_defs import RecordTypeDef
    from mypy_boto3_sqs import SQSClient

    from loyalty_sandbox.functions import Handler
    from loyalty_sandbox.sweeper import ExpiredKeys
    from loyalty_sandbox.template import StreamMappingSettings

__all__ = ["StreamPoller", "first_failure_index", "lambda_stream_record"]

_logger = logging.getLogger("loyalty_sandbox.stream")

_GET_RECORDS_LIMIT = 1000
_SHARD_REFRESH_SECONDS = 5.0


def _event_value(value: Any) -> Any:
    # Lambda delivers stream images as JSON: binary attribute values are base64 strings.
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {key: _event_value(item) for key, item in value.items()}
    if isinstance(value, list | set | tuple):
        return [_event_value(item) for item in value]
    return value


def lambda_stream_record(
    record: RecordTypeDef, *, stream_arn: str, region: str, ttl_removal: bool = False
) -> dict[str, Any]:
    """Turn a GetRecords record into the record Lambda's DynamoDB event source delivers."""
    change: dict[str, Any] = {
        key: _event_value(value)
        for key, value in record.get("dynamodb", {}).items()
        if key != "ApproximateCreationDateTime"
    }
    created = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    converted: dict[str, Any] = {
        "eventID": record.get("eventID", ""),
        "eventName": record.get("eventName", ""),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        # moto reports us-east-1 whatever the table's region; Lambda reports the table's.
        "awsRegion": region,
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }
    identity = record.get("userIdentity")
    if identity:
        converted["userIdentity"] = {
            "type": identity.get("Type"),
            "principalId": identity.get("PrincipalId"),
        }
    if ttl_removal:
        converted["userIdentity"] = dict(TTL_USER_IDENTITY)
    return converted


def _spurious_insert(record: RecordTypeDef, following: Sequence[RecordTypeDef]) -> bool:
    """moto's UpdateItem on a missing item streams a keys-only INSERT before the real INSERT.

    DynamoDB streams one INSERT; the keys-only one is dropped when the real one follows it.
    """
    change = record.get("dynamodb", {})
    if record.get("eventName") != "INSERT" or change.get("NewImage") != change.get("Keys"):
        return False
    return bool(following) and (
        following[0].get("eventName") == "INSERT"
        and following[0].get("dynamodb", {}).get("Keys") == change.get("Keys")
    )


def first_failure_index(response: Any, batch: Sequence[dict[str, Any]]) -> int | None:
    """Index of the lowest reported failure (Lambda's checkpoint), or None for full success.

    An invalid response fails the whole batch, so the checkpoint is its first record.
    """
    sequences = [record["dynamodb"]["SequenceNumber"] for record in batch]
    failed = failed_identifiers(response, sequences)
    return min((sequences.index(sequence) for sequence in failed), default=None)


@dataclass(slots=True)
class _Shard:
    shard_id: str
    iterator: str | None
    buffer: list[dict[str, Any]] = field(default_factory=list)
    limit: int = 0
    attempts: int = 0
    buffered_since: float = 0.0
    function_error: bool = False


class StreamPoller(PollingWorker):
    """Reads a table's stream and invokes a handler like Lambda's DynamoDB event source mapping.

    Per shard, in order:

    - Records not matching the ``FilterCriteria`` are dropped, as Lambda drops them.
    - Batches of up to ``BatchSize`` records (waiting up to the batching window to fill one).
    - Success checkpoints past the batch. With ``ReportBatchItemFailures`` the checkpoint moves
      to the lowest reported sequence number and the records from there on are retried (later
      successes are delivered again).
    - A handler exception (function error) with ``BisectBatchOnFunctionError`` splits the batch in
      two and retries the first half; splitting does not count as a retry.
    - After ``MaximumRetryAttempts`` failed retries the batch is discarded and an on-failure
      record (``DDBStreamBatchInfo``) is sent to the failure queue, and polling moves on.
    - REMOVE records of keys the TTL sweeper deleted get the TTL service's ``userIdentity``.

    ``handler`` may be replaced while running (tests wrap it to inject faults).
    """

    def __init__(
        self,
        *,
        streams: DynamoDBStreamsClient,
        sqs: SQSClient,
        stream_arn: str,
        failure_queue_url: str,
        region: str,
        handler: Handler,
        settings: StreamMappingSettings,
        expired: ExpiredKeys,
        function_name: str = "AggregateFunction",
        poll_interval: float = 0.1,
    ) -> None:
        super().__init__("stream", idle_wait=poll_interval)
        self.handler = handler
        self.stats = Stats()
        self._streams = streams
        self._sqs = sqs
        self._stream_arn = stream_arn
        self._failure_queue_url = failure_queue_url
        self._region = region
        self._settings = settings
        self._filter = EventFilter(settings.filter_patterns)
        self._expired = expired
        self._function_name = function_name
        self._shards: dict[str, _Shard] = {}
        self._shards_refreshed = 0.0
        self._caught_up_at = 0.0
        self._caught_up = threading.Condition()

    def wait_caught_up(self, since: float, timeout: float) -> bool:
        """Wait until a read that began after ``since`` (``time.monotonic``) found nothing left."""
        with self._caught_up:
            return self._caught_up.wait_for(lambda: self._caught_up_at > since, timeout)

    def _refresh_shards(self) -> None:
        now = time.monotonic()
        if self._shards and now - self._shards_refreshed < _SHARD_REFRESH_SECONDS:
            return
        self._shards_refreshed = now
        description = self._streams.describe_stream(StreamArn=self._stream_arn)
        for shard in description["StreamDescription"].get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id in self._shards:
                continue
            iterator = self._streams.get_shard_iterator(
                StreamArn=self._stream_arn,
                ShardId=shard_id,
                ShardIteratorType=self._settings.starting_position,  # type: ignore[arg-type]
            )["ShardIterator"]
            self._shards[shard_id] = _Shard(shard_id, iterator, limit=self._settings.batch_size)

    def poll_once(self) -> bool:
        started = time.monotonic()
        self._refresh_shards()
        busy = False
        for shard in self._shards.values():
            if self._stop.is_set():
                return busy
            if self._read(shard):
                busy = True
            if shard.buffer and self._ready(shard):
                self._process(shard)
                busy = True
        if not busy and all(not shard.buffer for shard in self._shards.values()):
            with self._caught_up:
                self._caught_up_at = started
                self._caught_up.notify_all()
        return busy

    def _ready(self, shard: _Shard) -> bool:
        window = self._settings.batching_window_seconds
        full = len(shard.buffer) >= self._settings.batch_size
        return full or window <= 0 or time.monotonic() - shard.buffered_since >= window

    def _read(self, shard: _Shard) -> bool:
        if shard.iterator is None or len(shard.buffer) >= self._settings.batch_size:
            return False
        response = self._streams.get_records(ShardIterator=shard.iterator, Limit=_GET_RECORDS_LIMIT)
        shard.iterator = response.get("NextShardIterator")
        records = response.get("Records", [])
        if not records:
            return False
        self.stats.add("records_read", len(records))
        if not shard.buffer:
            shard.buffered_since = time.monotonic()
        for index, record in enumerate(records):
            if _spurious_insert(record, records[index + 1 : index + 2]):
                self.stats.add("emulator_records_dropped")
                continue
            ttl_removal = record.get("eventName") == "REMOVE" and self._expired.claim(
                record.get("dynamodb", {}).get("Keys", {})
            )
            converted = lambda_stream_record(
                record, stream_arn=self._stream_arn, region=self._region, ttl_removal=ttl_removal
            )
            if not self._filter(converted):
                self.stats.add("records_filtered")
                continue
            self._observe(converted)
            shard.buffer.append(converted)
        return True

    def _observe(self, record: dict[str, Any]) -> None:
        # What the ledger went through, counted once per stream record (not per delivery).
        change = record["dynamodb"]
        new = change.get("NewImage", {}).get("status", {}).get("S")
        old = change.get("OldImage", {}).get("status", {}).get("S")
        name = record["eventName"]
        if name == "INSERT":
            self.stats.add(
                "ledger_inserted_active" if new == "ACTIVE" else "ledger_inserted_revoked"
            )
        elif name == "MODIFY" and old == "ACTIVE" and new == "REVOKED":
            self.stats.add("ledger_revoked")
        elif name == "REMOVE":
            ttl = record.get("userIdentity") == TTL_USER_IDENTITY
            self.stats.add("ledger_expired" if ttl else "ledger_deleted")

    def _process(self, shard: _Shard) -> None:
        batch = shard.buffer[: shard.limit]
        context = LambdaContext(
            function_name=self._function_name,
            timeout_seconds=self._settings.function_timeout,
            region=self._region,
        )
        self.stats.add("batches")
        self.stats.add("records_delivered", len(batch))
        try:
            response = self.handler({"Records": batch}, context)
        except Exception:
            _logger.warning("aggregate handler raised on a batch of %d", len(batch), exc_info=True)
            self.stats.add("function_errors")
            self._failed(shard, batch, function_error=True)
            return
        failed_at = (
            first_failure_index(response, batch)
            if self._settings.report_batch_item_failures
            else None
        )
        if failed_at is None:
            self.stats.add("records_done", len(batch))
            del shard.buffer[: len(batch)]
            shard.attempts = 0
            shard.limit = self._settings.batch_size
            return
        self.stats.add("partial_failures")
        if failed_at > 0:
            # Checkpoint before the lowest failure; retry from there (only the rest of this batch).
            self.stats.add("records_done", failed_at)
            del shard.buffer[:failed_at]
            shard.attempts = 0
        self._failed(shard, batch[failed_at:], function_error=False)

    def _failed(self, shard: _Shard, batch: list[dict[str, Any]], *, function_error: bool) -> None:
        if function_error and self._settings.bisect_on_function_error and len(batch) > 1:
            shard.limit = len(batch) // 2
            self.stats.add("bisections")
            return
        shard.limit = len(batch)
        shard.attempts += 1
        shard.function_error = function_error
        maximum = self._settings.maximum_retry_attempts
        if maximum < 0 or shard.attempts <= maximum:
            self.stats.add("retries")
            return
        self._send_on_failure(shard, batch)
        del shard.buffer[: len(batch)]
        shard.attempts = 0
        shard.limit = self._settings.batch_size

    def _send_on_failure(self, shard: _Shard, batch: list[dict[str, Any]]) -> None:
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]

        def arrival(change: dict[str, Any]) -> str:
            seconds = change.get("ApproximateCreationDateTime", 0)
            return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")

        record: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": LambdaContext(
                    self._function_name, self._settings.function_timeout, self._region
                ).invoked_function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": shard.attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard.shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": arrival(first),
                "approximateArrivalOfLastRecord": arrival(last),
                "batchSize": len(batch),
                "streamArn": self._stream_arn,
            },
        }
        if shard.function_error:
            record["responseContext"]["functionError"] = "Unhandled"
        self._sqs.send_message(QueueUrl=self._failure_queue_url, MessageBody=json.dumps(record))
        self.stats.add("records_discarded", len(batch))
        self.stats.add("on_failure_records")
        _logger.error(
            "stream batch %s..%s discarded after %d attempts; on-failure record sent",
            first["SequenceNumber"],
            last["SequenceNumber"],
            shard.attempts,
        )
