"""The emulated AWS endpoint: moto's server application on the loopback interface."""

from __future__ import annotations

import errno
import functools
import logging
import socket
import threading
from typing import TYPE_CHECKING, Any

from loyalty_sandbox.partiql import run_batch_statements_as_conditional_writes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    WsgiApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

__all__ = ["LOOPBACK", "EmulatorServer", "PortInUseError"]

LOOPBACK = "127.0.0.1"

_LISTEN_BACKLOG = 128
_SHUTDOWN_POLL_SECONDS = 0.1
"""How often the serving loop checks for a stop: the server stops within this."""


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


_rollback_patch_lock = threading.Lock()


def _keep_stream_shards_through_rollbacks() -> None:
    """Make a cancelled ``TransactWriteItems`` leave the table's stream readable.

    moto rolls a cancelled transaction back by replacing each table with a deep copy taken
    before it, stream shard included; every open shard iterator then points at the discarded
    shard and a stream poller sees no record again. DynamoDB's stream is unaffected by a
    cancelled transaction (nothing was written). After moto's rollback, the copy's records go
    back into the original shard, which the restored table writes to from then on.
    """
    from moto.dynamodb.models import DynamoDBBackend

    with _rollback_patch_lock:
        if getattr(DynamoDBBackend.transact_write_items, "_keeps_stream_shards", False):
            return
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

        keeping_shards._keeps_stream_shards = True  # type: ignore[attr-defined]
        DynamoDBBackend.transact_write_items = keeping_shards  # type: ignore[method-assign,assignment]


class EmulatorServer:
    """moto's server application, threaded, bound to 127.0.0.1 (never all interfaces).

    Parameters
    ----------
    port
        TCP port; 0 picks a free one.
    """

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start serving; returns once the socket listens.

        Raises
        ------
        PortInUseError
            If another program listens on the port.
        OSError
            If the port cannot be bound for another reason (a privileged port, for instance).
        """
        # moto and werkzeug are heavy and only in the sandbox extra: imported when a server starts.
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        _keep_stream_shards_through_rollbacks()
        run_batch_statements_as_conditional_writes()
        # werkzeug logs every request at INFO; the sandbox's own output says what happened.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        dispatcher: Any = DomainDispatcherApplication(create_backend_app)
        # moto resolves every request's service by listing its own package directory, under a
        # process-wide lock: milliseconds per request, serialising the whole emulator. The
        # answer depends on the host name only, so remember it.
        dispatcher.get_backend_for_host = functools.lru_cache(maxsize=1024)(
            dispatcher.get_backend_for_host
        )
        # Bound here, not by werkzeug: on a failed bind werkzeug prints to stderr and calls
        # sys.exit, which in a server thread ends the thread silently and leaves start() waiting.
        listener = self._listen()
        try:
            self._server = make_server(
                LOOPBACK,
                self._requested_port,
                _SerializedDynamoDB(dispatcher),
                threaded=True,
                request_handler=MotoRequestHandler,
                fd=listener.fileno(),
            )
        finally:
            # werkzeug serves on its own duplicate of the socket.
            listener.close()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
            name="sandbox-emulator",
            daemon=True,
        )
        self._thread.start()

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
        """Stop serving and join the server thread (requests in progress are not waited for)."""
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._server = None
            self._thread = None

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return f"http://{LOOPBACK}:{self._server.port}"
