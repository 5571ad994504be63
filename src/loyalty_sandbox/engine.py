"""The sandbox: emulator, resources, pollers and TTL sweeper tied together."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import boto3

from loyalty.outbound.tier_changed import parse_tier_changed
from loyalty_sandbox.functions import load_function
from loyalty_sandbox.provisioning import Resources, provision
from loyalty_sandbox.server import EmulatorServer
from loyalty_sandbox.sqs_poller import SqsPoller
from loyalty_sandbox.stream_poller import StreamPoller
from loyalty_sandbox.sweeper import ExpiredKeys, TtlSweeper
from loyalty_sandbox.template import (
    TemplateSettings,
    load_template,
    read_template_settings,
)
from loyalty_sandbox.workers import STOP_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from types import ModuleType, TracebackType

    from botocore.config import Config

    from loyalty.domain.events import TierChanged
    from loyalty_sandbox.functions import Handler
    from loyalty_sandbox.template import StreamMappingSettings

__all__ = ["FAKE_CREDENTIALS", "Sandbox"]

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
"""The emulator accepts any credentials; these make sure no real ones are ever sent to it."""

DEFAULT_REGION = "eu-west-1"
DEFAULT_VISIBILITY_TIMEOUT = 2
"""Seconds before a failed message reappears in the sandbox (the template's is minutes)."""
DEFAULT_BATCHING_WINDOW = 0.2
"""Seconds the sandbox's mappings wait to fill a batch (the template's are seconds each)."""


def _discard_metrics(module: ModuleType) -> None:
    """Drop a handler's Powertools metrics after each invocation instead of printing them.

    There is no CloudWatch to read the EMF lines from, and they would bury the sandbox's output.
    (``POWERTOOLS_METRICS_DISABLED`` is no help: a disabled provider keeps its metrics and prints
    them anyway once a metric has 100 values.)
    """
    metrics = getattr(getattr(module, "function", None), "metrics", None)
    provider = getattr(metrics, "provider", None)
    if provider is not None and callable(getattr(provider, "clear_metrics", None)):

        def discard(raise_on_empty_metrics: bool = False) -> None:
            provider.clear_metrics()

        provider.flush_metrics = discard


class Sandbox:
    """The whole pipeline on a local emulator, as a context manager.

    ``with Sandbox() as sandbox:`` starts moto's server on 127.0.0.1 (in a process of its own:
    :class:`~loyalty_sandbox.server.EmulatorServer`), provisions the table,
    topic, queues and subscription from ``template.yaml``, loads the real Lambda handlers
    (ingest, aggregate) configured for it, and starts the SQS poller, the stream poller and the
    TTL sweeper; leaving the block stops them all and the server.

    Parameters
    ----------
    port
        Port of the emulator on 127.0.0.1; 0 picks a free one.
    region
        Region of the resources and clients.
    prefix
        Resource name prefix; default ``loyalty-<random>``.
    visibility_timeout
        The ingest queue's visibility timeout in the sandbox (default 2 s so failed messages
        come back quickly); ``None`` keeps the template's value.
    batching_window
        ``MaximumBatchingWindowInSeconds`` of both mappings in the sandbox (default 0.2 s so a
        trickle of retries is not held up); ``None`` keeps the template's values. Batch sizes,
        retries, bisection and filters are always the template's.
    ttl_interval
        Seconds between TTL sweeps.
    ttl_lag
        Seconds an item stays after its TTL before the sweeper deletes it (DynamoDB: days).
    ingest_concurrency
        Concurrent SQS pollers (Lambda runs several).
    function_environment
        Extra environment for the handlers (``LOYALTY_FAKE_TTL_SECONDS``, thresholds ...).
    log_level
        The handlers' log level (``LOG_LEVEL``).
    template
        Path of the SAM template; default the packaged ``template.yaml``.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        region: str = DEFAULT_REGION,
        prefix: str | None = None,
        visibility_timeout: int | None = DEFAULT_VISIBILITY_TIMEOUT,
        batching_window: float | None = DEFAULT_BATCHING_WINDOW,
        ttl_interval: float = 1.0,
        ttl_lag: float = 0.0,
        ingest_concurrency: int = 2,
        function_environment: Mapping[str, str] | None = None,
        log_level: str = "WARNING",
        template: Path | None = None,
    ) -> None:
        self.region = region
        self.prefix = prefix or f"loyalty-{uuid.uuid4().hex[:8]}"
        settings = read_template_settings(load_template(template))
        if batching_window is not None:
            settings = replace(
                settings,
                ingest_mapping=replace(
                    settings.ingest_mapping, batching_window_seconds=batching_window
                ),
                stream_mapping=replace(
                    settings.stream_mapping, batching_window_seconds=batching_window
                ),
                notify_mapping=replace(
                    settings.notify_mapping, batching_window_seconds=batching_window
                ),
            )
        self.settings: TemplateSettings = settings
        self._visibility_timeout = visibility_timeout
        self._ttl_interval = ttl_interval
        self._ttl_lag = ttl_lag
        self._ingest_concurrency = ingest_concurrency
        self._function_environment = dict(function_environment or {})
        self._log_level = log_level.upper()
        self._server = EmulatorServer(port)
        self._resources: Resources | None = None
        self._functions: dict[str, ModuleType] = {}
        self._ingest: SqsPoller | None = None
        self._stream: StreamPoller | None = None
        self._notify: StreamPoller | None = None
        self._sweeper: TtlSweeper | None = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Start the emulator, provision, load the handlers and start polling."""
        self._server.start()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        resources = provision(
            dynamodb=self.client("dynamodb"),
            sqs=self.client("sqs"),
            sns=self.client("sns"),
            settings=self.settings,
            prefix=self.prefix,
            visibility_timeout=self._visibility_timeout,
        )
        self._resources = resources
        ingest = self.load_function("ingest")
        aggregate = self.load_function("aggregate")
        notify = self.load_function("notify", LOYALTY_EVENTS_TOPIC_ARN=resources.events_topic_arn)
        self._functions = {"ingest": ingest, "aggregate": aggregate, "notify": notify}
        expired = ExpiredKeys()
        self._ingest = SqsPoller(
            sqs=self.client("sqs"),
            queue_url=resources.ingest_queue_url,
            queue_arn=resources.ingest_queue_arn,
            region=self.region,
            handler=ingest.handler,
            settings=self.settings.ingest_mapping,
            concurrency=self._ingest_concurrency,
        )
        self._stream = self._stream_poller(
            "AggregateFunction",
            aggregate.handler,
            self.settings.stream_mapping,
            resources.failure_queue_url,
            expired,
        )
        # A second mapping on the same stream, as in AWS: its own filter, checkpoint and retries.
        # It never sees ledger records (its filter), so it shares no TTL bookkeeping.
        self._notify = self._stream_poller(
            "NotifyFunction",
            notify.handler,
            self.settings.notify_mapping,
            resources.notify_failure_queue_url,
            ExpiredKeys(),
        )
        self._sweeper = TtlSweeper(
            dynamodb=self.client("dynamodb"),
            table_name=resources.table_name,
            ttl_attribute=self.settings.table.ttl_attribute,
            key_names=[name for name, _ in self.settings.table.key_schema],
            expired=expired,
            interval=self._ttl_interval,
            lag=self._ttl_lag,
        )
        self._ingest.start()
        self._stream.start()
        self._notify.start()
        self._sweeper.start()

    def _stream_poller(
        self,
        function_name: str,
        handler: Handler,
        settings: StreamMappingSettings,
        failure_queue_url: str,
        expired: ExpiredKeys,
    ) -> StreamPoller:
        return StreamPoller(
            streams=self.client("dynamodbstreams"),
            sqs=self.client("sqs"),
            stream_arn=self.resources.stream_arn,
            failure_queue_url=failure_queue_url,
            region=self.region,
            handler=handler,
            settings=settings,
            expired=expired,
            function_name=function_name,
        )

    def stop(self) -> None:
        """Stop the pollers and the sweeper (after their batch in progress), then the emulator.

        They stop together, each after its round in progress; one still busy after
        :data:`~loyalty_sandbox.workers.STOP_TIMEOUT` seconds is left behind (with a warning).
        """
        candidates = (self._ingest, self._stream, self._notify, self._sweeper)
        workers = [worker for worker in candidates if worker is not None]
        for worker in workers:
            worker.request_stop()
        deadline = time.monotonic() + STOP_TIMEOUT
        for worker in workers:
            worker.join(deadline)
        self._server.stop()
        with self._clients_lock:
            # A restarted sandbox may listen on another port.
            self._clients.clear()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Where things are ------------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """The emulator's URL (``http://127.0.0.1:PORT``)."""
        return self._server.endpoint_url

    @property
    def resources(self) -> Resources:
        """Names, URLs and ARNs of the provisioned resources."""
        if self._resources is None:
            raise RuntimeError("the sandbox is not started")
        return self._resources

    def environment(self) -> dict[str, str]:
        """Environment variables that point boto3 and the ``loyalty`` CLI at the sandbox."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            **FAKE_CREDENTIALS,
            "LOYALTY_TABLE_NAME": self.resources.table_name,
        }

    def client(self, service: str, *, config: Config | None = None) -> Any:
        """A boto3 client for ``service`` on the emulator, with fake credentials.

        Without ``config``, one client per service for the sandbox's lifetime, shared by every
        caller (boto3 clients are thread-safe): building one loads and parses the service model,
        far more CPU than the request it is wanted for. With ``config``, a new client.
        """
        if config is not None:
            return self._new_client(service, config)
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = self._new_client(service, None)
            return self._clients[service]

    def _new_client(self, service: str, config: Config | None) -> Any:
        session = boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region,
        )
        return session.client(service, endpoint_url=self.endpoint_url, config=config)  # type: ignore[call-overload]

    def load_function(self, name: str, **variables: str) -> ModuleType:
        """Import ``lambda_entrypoints/{name}.py`` afresh, configured for this sandbox."""
        environment = {
            **self.environment(),
            "LOG_LEVEL": self._log_level,
            "POWERTOOLS_LOG_LEVEL": self._log_level,
            **self._function_environment,
            **variables,
        }
        module = load_function(name, environment)
        _discard_metrics(module)
        return module

    # The running parts -----------------------------------------------------------------------

    @property
    def functions(self) -> Mapping[str, ModuleType]:
        """The loaded handler modules by name (``ingest``, ``aggregate``): their clients."""
        return self._functions

    @property
    def ingest_poller(self) -> SqsPoller:
        """The SQS → ingest mapping (its ``handler`` may be wrapped to inject faults)."""
        if self._ingest is None:
            raise RuntimeError("the sandbox is not started")
        return self._ingest

    @property
    def stream_poller(self) -> StreamPoller:
        """The stream → aggregate mapping (its ``handler`` may be wrapped to inject faults)."""
        if self._stream is None:
            raise RuntimeError("the sandbox is not started")
        return self._stream

    @property
    def notify_poller(self) -> StreamPoller:
        """The stream → notify mapping (its ``handler`` may be wrapped to inject faults)."""
        if self._notify is None:
            raise RuntimeError("the sandbox is not started")
        return self._notify

    def tier_changes(self, wait_seconds: int = 0) -> list[TierChanged]:
        """The ``TierChanged`` events published since the last call, in arrival order.

        They are read from a queue subscribed to the events topic, as a subscriber would.
        """
        sqs = self.client("sqs")
        queue = self.resources.events_tap_queue_url
        events: list[TierChanged] = []
        while messages := sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        ).get("Messages", []):
            events.extend(parse_tier_changed(message["Body"]) for message in messages)
            sqs.delete_message_batch(
                QueueUrl=queue,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
                    for n, message in enumerate(messages)
                ],
            )
            wait_seconds = 0
        return events

    @property
    def sweeper(self) -> TtlSweeper:
        """The TTL sweeper (``sweep()`` runs one sweep now)."""
        if self._sweeper is None:
            raise RuntimeError("the sandbox is not started")
        return self._sweeper

    def counters(self) -> dict[str, dict[str, int]]:
        """What the pollers and the sweeper did so far."""
        return {
            "ingest": self.ingest_poller.stats.snapshot(),
            "aggregate": self.stream_poller.stats.snapshot(),
            "notify": self.notify_poller.stats.snapshot(),
            "ttl": self.sweeper.stats.snapshot(),
        }

    def queue_depth(self, queue_url: str) -> int:
        """Messages in a queue: visible, in flight and delayed."""
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until the ingest queue is empty and the stream poller has caught up.

        Messages being retried keep the queue non-empty until they succeed or the redrive
        policy moves them to the dead-letter queue, so after ``drain`` every published message
        is either in the ledger or in the DLQ, every ledger change has been aggregated (or
        discarded to the failure queue after its retries), and every aggregate write has been
        seen by the notifier.

        Raises
        ------
        TimeoutError
            If that state is not reached within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        queue_url = self.resources.ingest_queue_url
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"sandbox did not drain in {timeout:g}s: "
                    f"{self.queue_depth(queue_url)} message(s) in the ingest queue"
                )
            if self.queue_depth(queue_url) > 0:
                time.sleep(0.1)
                continue
            mark = time.monotonic()
            if not self.stream_poller.wait_caught_up(mark, remaining):
                raise TimeoutError(f"stream poller did not catch up in {timeout:g}s")
            # The aggregate writes just made are on the stream too: the notifier reads them.
            if not self.notify_poller.wait_caught_up(time.monotonic(), remaining):
                raise TimeoutError(f"notify poller did not catch up in {timeout:g}s")
            if self.queue_depth(queue_url) == 0:
                return
