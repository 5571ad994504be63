"""The emulated AWS endpoint: moto's ``ThreadedMotoServer`` on the loopback interface."""

from __future__ import annotations

import functools
import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    WsgiApplication = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

__all__ = ["LOOPBACK", "EmulatorServer"]

LOOPBACK = "127.0.0.1"

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


class EmulatorServer:
    """moto's threaded server bound to 127.0.0.1 (never all interfaces).

    Parameters
    ----------
    port
        TCP port; 0 picks a free one.
    """

    def __init__(self, port: int = 0) -> None:
        # moto is heavy and only in the sandbox extra: imported when a server is made.
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
        self._port: int | None = None

    def start(self) -> None:
        """Start serving; returns once the socket is bound."""
        # werkzeug logs every request at INFO; the sandbox's own output says what happened.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        wsgi_server = self._server._server
        assert wsgi_server is not None
        dispatcher: Any = wsgi_server.app
        # moto resolves every request's service by listing its own package directory, under a
        # process-wide lock: milliseconds per request, serialising the whole emulator. The
        # answer depends on the host name only, so remember it.
        dispatcher.get_backend_for_host = functools.lru_cache(maxsize=1024)(
            dispatcher.get_backend_for_host
        )
        wsgi_server.app = _SerializedDynamoDB(dispatcher)
        self._port = self._server.get_host_and_port()[1]

    def stop(self) -> None:
        """Stop serving and join the server thread."""
        if self._port is not None:
            self._server.stop()
            self._port = None

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return f"http://{LOOPBACK}:{self._port}"
