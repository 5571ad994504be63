"""The emulated AWS endpoint: moto's server application, in its own process, on 127.0.0.1.

The sandbox's pollers and handlers and moto's backends are all CPU-bound Python: in one process
they take turns on one GIL, and the emulator alone was most of the work. :class:`EmulatorServer`
binds the socket here and hands it to a child process (``python -m loyalty_sandbox.emulator``)
that serves moto's application with :func:`serve`; the two processes run on separate cores.

Everything that touches moto's in-memory state runs in that child: :func:`install_patches` is the
one place that patches moto, called once there before it serves. Nothing in the sandbox's own
process imports moto.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from loyalty_sandbox.partiql import run_batch_statements_as_conditional_writes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    WsgiApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

__all__ = ["LOOPBACK", "EmulatorServer", "PortInUseError", "install_patches", "serve"]

LOOPBACK = "127.0.0.1"

_LISTEN_BACKLOG = 128
_SHUTDOWN_POLL_SECONDS = 0.1
"""How often the serving loop checks for a stop: the server stops within this."""
_START_TIMEOUT = 60.0
"""Seconds the emulator process may take to import moto and start serving."""
_STOP_TIMEOUT = 5.0
"""Seconds a stopping emulator process gets to exit before it is killed."""
_READY = b"ready\n"
_GET_RECORDS_DEFAULT_LIMIT = 1000
"""What DynamoDB Streams returns without a ``Limit``."""


class PortInUseError(OSError):
    """The emulator's port on 127.0.0.1 is taken by another program.

    Parameters
    ----------
    port
        The port asked for.
    """

    def __init__(self, port: int) -> None:
        super().__init__(errno.EADDRINUSE, f"port {port} on {LOOPBACK} is already in use")
        self.port = port

    def __str__(self) -> str:
        return str(self.strerror)


# DynamoDB_20120810.* and DynamoDBStreams_20120810.*: a stream read never sees half a write.
_DYNAMODB_TARGET_PREFIX = "DynamoDB"


class _SerializedDynamoDB:
    """WSGI middleware running DynamoDB (and DynamoDB Streams) requests one at a time.

    DynamoDB applies each conditional write atomically; moto checks the condition and then writes
    without a lock, so two concurrent requests on one item (a confirm and its cancel) could both
    pass their conditions. Serialising DynamoDB requests restores the service's atomicity; other
    services (SQS long polls, SNS) are not held up.
    """

    def __init__(self, application: WsgiApplication) -> None:
        self._application = application
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(_DYNAMODB_TARGET_PREFIX):
            with self._lock:
                # Materialise the body inside the lock: the write happens while it is produced.
                return list(self._application(environ, start_response))
        return self._application(environ, start_response)


def _keep_stream_shards_through_rollbacks() -> None:
    """Make a cancelled ``TransactWriteItems`` leave the table's stream readable.

    moto rolls a cancelled transaction back by replacing each table with a deep copy taken
    before it, stream shard included; every open shard iterator then points at the discarded
    shard and a stream poller sees no record again. DynamoDB's stream is unaffected by a
    cancelled transaction (nothing was written). After moto's rollback, the copy's records go
    back into the original shard, which the restored table writes to from then on.
    """
    from moto.dynamodb.models import DynamoDBBackend

    transact_write_items = DynamoDBBackend.transact_write_items

    @functools.wraps(transact_write_items)
    def keeping_shards(backend: Any, *args: Any, **kwargs: Any) -> Any:
        shards = {name: table.stream_shard for name, table in backend.tables.items()}
        try:
            return transact_write_items(backend, *args, **kwargs)
        finally:
            for name, shard in shards.items():
                table = backend.tables.get(name)
                if shard is None or table is None or table.stream_shard is shard:
                    continue
                # The copy holds exactly the records written before the transaction.
                shard.items[:] = table.stream_shard.items
                shard.table = table
                table.stream_shard = shard

    DynamoDBBackend.transact_write_items = keeping_shards  # type: ignore[method-assign,assignment]


def _check_retention_from_the_queue_setting() -> None:
    """Check a received message against the queue's retention period without a backlog scan.

    moto's ``ReceiveMessage`` checks every message it returns against the retention period by
    computing all the queue's attributes, twice: the approximate message counts among them, each
    a scan of the whole backlog. A receive cost batch × backlog (34 ms a call with a few hundred
    messages waiting, the largest part of the sandbox's work). The period is a plain setting of
    the queue; the check is the same.
    """
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    def within_retention(backend: Any, queue_name: str, message: Any) -> bool:
        retention_period: int = backend.get_queue(queue_name).message_retention_period
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = within_retention  # type: ignore[method-assign,assignment]


def _time_messages_without_datetimes() -> None:
    """Tell whether an SQS message is visible, or delayed, from ``time.time()``.

    moto counts the whole backlog whenever it computes a queue's attributes, which it does for
    every message SNS delivers to a queue (a ``PublishBatch`` of 10 counted a backlog of a few
    hundred ten times: 12 ms), and scans it on every receive. Each message's two checks built
    four datetimes to read the clock; the epoch milliseconds they compare are ``time.time()``'s.
    """
    from moto.sqs.models import Message

    def visible(message: Any) -> bool:
        return bool(time.time() * 1000 > message.visible_at)

    def delayed(message: Any) -> bool:
        return bool(time.time() * 1000 < message.delayed_until)

    Message.visible = property(visible)  # type: ignore[assignment,method-assign]
    Message.delayed = property(delayed)  # type: ignore[assignment,method-assign]


def _encode_stream_records_as_items() -> None:
    """Encode ``GetRecords`` answers as moto's DynamoDB handler encodes items.

    moto's generic response serializer walks the service model for every attribute value of every
    record: about 1 ms a record with the ledger's aggregate images, 27 ms a ``GetRecords`` call.
    The records are DynamoDB JSON already; ``dynamo_json_dump`` (timestamps as epoch seconds,
    binary values as base64) answers the same document, as ``GetItem`` and ``Query`` answer theirs.
    """
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    def get_records(handler: Any) -> str:
        limit = handler._get_param("Limit")
        records = handler.backend.get_records(
            handler._get_param("ShardIterator"),
            _GET_RECORDS_DEFAULT_LIMIT if limit is None else limit,
        )
        return dynamo_json_dump(records)

    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[assignment,method-assign]


def install_patches() -> None:
    """Patch moto where the sandbox needs it to behave like AWS, or to keep up.

    Every patch of moto's in-memory behaviour belongs here: :func:`serve` calls this once, in the
    process that runs moto's backends (the emulator process), before it serves.
    """
    _keep_stream_shards_through_rollbacks()
    run_batch_statements_as_conditional_writes()
    _check_retention_from_the_queue_setting()
    _time_messages_without_datetimes()
    _encode_stream_records_as_items()


def _application() -> WsgiApplication:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    dispatcher: Any = DomainDispatcherApplication(create_backend_app)
    # moto resolves every request's service by listing its own package directory, under a
    # process-wide lock: milliseconds per request, serialising the whole emulator. The answer
    # depends on the host name only, so remember it.
    dispatcher.get_backend_for_host = functools.lru_cache(maxsize=1024)(
        dispatcher.get_backend_for_host
    )
    return _SerializedDynamoDB(dispatcher)


def serve(listener_fd: int, *, ready: IO[bytes], until: IO[bytes]) -> None:
    """Serve moto's application on an already listening socket until ``until`` reaches its end.

    The emulator process's work (``python -m loyalty_sandbox.emulator``): installs the patches,
    writes a line to ``ready`` once serving, and stops when ``until`` (its standard input, a pipe
    from the sandbox) is closed, including when the sandbox's process dies.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    install_patches()
    # werkzeug logs every request at INFO; the sandbox's own output says what happened.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    listener = socket.socket(fileno=listener_fd)
    server = make_server(
        LOOPBACK,
        listener.getsockname()[1],
        _application(),
        threaded=True,
        request_handler=MotoRequestHandler,
        fd=listener.fileno(),
    )
    # werkzeug serves on its own duplicate of the socket.
    listener.close()
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
        name="sandbox-emulator",
        daemon=True,
    )
    thread.start()
    ready.write(_READY)
    ready.flush()
    while until.read(4096):
        pass
    server.shutdown()
    thread.join()


class EmulatorServer:
    """moto's server application in a child process, bound to 127.0.0.1 (never all interfaces).

    Parameters
    ----------
    port
        TCP port; 0 picks a free one.
    """

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the emulator process; returns once it serves.

        Raises
        ------
        PortInUseError
            If another program listens on the port.
        OSError
            If the port cannot be bound for another reason (a privileged port, for instance).
        RuntimeError
            If the emulator process exits or hangs before serving.
        """
        # Bound here, so a taken port is reported at once and by this process; the child
        # inherits the listening socket.
        listener = self._listen()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "loyalty_sandbox.emulator", str(listener.fileno())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                pass_fds=(listener.fileno(),),
                env=_child_environment(),
            )
            self._port = listener.getsockname()[1]
        finally:
            listener.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(_START_TIMEOUT):
                raise RuntimeError(f"the emulator process did not start in {_START_TIMEOUT:g}s")
        if self._process.stdout.readline() != _READY:
            code = self._process.wait()
            raise RuntimeError(f"the emulator process exited before serving (exit code {code})")

    def _listen(self) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # As werkzeug does: a port left in TIME_WAIT by a previous run can be reused at once.
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((LOOPBACK, self._requested_port))
            listener.listen(_LISTEN_BACKLOG)
        except OSError as error:
            listener.close()
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(self._requested_port) from None
            raise
        return listener

    def stop(self) -> None:
        """Stop the emulator process (requests in progress are not waited for)."""
        process, self._process, self._port = self._process, None, None
        if process is None:
            return
        assert process.stdin is not None
        assert process.stdout is not None
        # End of its standard input is the emulator's signal to stop.
        process.stdin.close()
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return f"http://{LOOPBACK}:{self._port}"


def _child_environment() -> dict[str, str]:
    """This environment, with this copy of ``loyalty_sandbox`` first on the child's path."""
    source = str(Path(__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": source + (os.pathsep + path if path else "")}
