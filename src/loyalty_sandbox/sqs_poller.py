"""SQS → Lambda: a local event source mapping that polls the queue and calls the ingest handler."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from loyalty.inbound.batch_response import failed_identifiers
from loyalty.inbound.sqs import lambda_sqs_record
from loyalty.testing import LambdaContext
from loyalty_sandbox.stats import Stats
from loyalty_sandbox.workers import PollingWorker

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

    from loyalty_sandbox.functions import Handler
    from loyalty_sandbox.template import SqsMappingSettings

__all__ = ["SqsPoller"]

_logger = logging.getLogger("loyalty_sandbox.sqs")

_MAX_RECEIVE = 10  # SQS returns at most 10 messages per ReceiveMessage
_LONG_POLL_SECONDS = 1  # short enough for stop() to take effect promptly


class SqsPoller(PollingWorker):
    """Polls a queue and invokes a handler like Lambda's SQS event source mapping.

    - Batches up to ``BatchSize`` messages, waiting up to ``MaximumBatchingWindowInSeconds`` to
      fill a batch.
    - Deletes the messages the handler did not report in ``batchItemFailures`` (with
      ``ReportBatchItemFailures``; otherwise all of them on success). A handler exception deletes
      none.
    - Failed messages are left alone: they reappear after the queue's visibility timeout and,
      once received ``maxReceiveCount`` times, the queue's redrive policy moves them to the
      dead-letter queue.

    ``handler`` may be replaced while running (tests wrap it to inject faults).
    """

    def __init__(
        self,
        *,
        sqs: SQSClient,
        queue_url: str,
        queue_arn: str,
        region: str,
        handler: Handler,
        settings: SqsMappingSettings,
        function_name: str = "IngestFunction",
        concurrency: int = 2,
    ) -> None:
        super().__init__("sqs", idle_wait=0.0, threads=concurrency)
        self.handler = handler
        self.stats = Stats()
        self._completed: set[str] = set()
        self._completed_lock = threading.Lock()
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = region
        self._settings = settings
        self._function_name = function_name

    def poll_once(self) -> bool:
        # Receiving waits out the batching window itself, so there is no idle wait on top.
        messages = self._receive_batch()
        # A batch received while stopping is not started: its messages reappear after the
        # visibility timeout, as when Lambda scales a poller down.
        if messages and not self._stop.is_set():
            self._invoke(messages)
        return True

    def _receive(self, count: int, wait_seconds: int) -> list[MessageTypeDef]:
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=min(_MAX_RECEIVE, count),
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _receive_batch(self) -> list[MessageTypeDef]:
        batch_size = self._settings.batch_size
        batch = self._receive(batch_size, _LONG_POLL_SECONDS)
        if not batch:
            return batch
        deadline = time.monotonic() + self._settings.batching_window_seconds
        while len(batch) < batch_size and time.monotonic() < deadline:
            if self._stop.is_set():
                break
            more = self._receive(batch_size - len(batch), 0)
            if more:
                batch.extend(more)
            else:
                self._stop.wait(min(0.05, max(0.0, deadline - time.monotonic())))
        return batch

    def _invoke(self, messages: list[MessageTypeDef]) -> None:
        records = [
            lambda_sqs_record(message, queue_arn=self._queue_arn, region=self._region)
            for message in messages
        ]
        ids = [record["messageId"] for record in records]
        context = LambdaContext(
            function_name=self._function_name,
            timeout_seconds=self._settings.function_timeout,
            region=self._region,
        )
        self.stats.add("batches")
        self.stats.add("messages_received", len(records))
        try:
            response = self.handler({"Records": records}, context)
        except Exception:
            _logger.warning("ingest handler raised: the whole batch will be retried", exc_info=True)
            self.stats.add("function_errors")
            failed = set(ids)
        else:
            failed = (
                failed_identifiers(response, ids)
                if self._settings.report_batch_item_failures
                else set()
            )
        self.stats.add("messages_failed", len(failed))
        self._delete([m for m in messages if m["MessageId"] not in failed])

    def _delete(self, messages: Sequence[Mapping[str, Any]]) -> None:
        for start in range(0, len(messages), _MAX_RECEIVE):
            chunk = messages[start : start + _MAX_RECEIVE]
            response = self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(chunk)
                ],
            )
            succeeded = response.get("Successful", [])
            self.stats.add("messages_deleted", len(succeeded))
            with self._completed_lock:
                fresh = {chunk[int(entry["Id"])]["MessageId"] for entry in succeeded}
                fresh -= self._completed
                self._completed |= fresh
            # Distinct messages: a message delivered twice (visibility ran out mid-batch) and
            # deleted twice is still one message done.
            self.stats.add("messages_completed", len(fresh))
            for failure in response.get("Failed", []):
                # The visibility timeout ran out during the batch and the message was received
                # again: it will be delivered once more (at least once), as on SQS.
                self.stats.add("stale_deletes")
                _logger.info("could not delete message: %s", failure.get("Message"))
