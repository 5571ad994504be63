"""A local HTTP server that answers DynamoDB and SNS requests after a delay with jitter.

The in-process stub (:func:`benchmarks.aws.round_trip_stub`) skips botocore's HTTP layer
(urllib3, sockets, response streaming), which understates a request's client cost. This server
runs in its own process, so its CPU is not the measured process's, and answers every request with
:func:`benchmarks.aws.canned_answer` (SNS ``Publish`` with a message id) after ``delay`` ±
``jitter`` seconds, drawn uniformly. With ``delay`` 0 it never sleeps.

Usage: ``with http_stub(delay=0.010, jitter=0.002) as endpoint_url: ...``, or
``python -m benchmarks.http_stub --delay 0.01 --jitter 0.002`` (prints the URL, serves until
stdin closes).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.aws import canned_answer

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["http_stub", "main"]

ROOT = Path(__file__).resolve().parent.parent
_SNS_PUBLISH = (
    '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
    "<PublishResult><MessageId>{id}</MessageId></PublishResult>"
    "<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></PublishResponse>"
)


def _handler(delay: float, jitter: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
        # Headers and body go out as separate writes: without TCP_NODELAY the body would wait for
        # the client's delayed ACK (~40 ms), a delay no real endpoint adds.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if delay:
                time.sleep(max(0.0, random.uniform(delay - jitter, delay + jitter)))
            target = self.headers.get("X-Amz-Target")
            if target:
                payload = json.dumps(canned_answer(target.rpartition(".")[2], json.loads(body)))
                content_type = "application/x-amz-json-1.0"
            else:  # SNS speaks the query protocol; the only call made to it is Publish
                payload = _SNS_PUBLISH.format(id=uuid.uuid4())
                content_type = "text/xml"
            data = payload.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_stub", description=__doc__)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per request")
    parser.add_argument("--jitter", type=float, default=0.0, help="± seconds, uniform")
    arguments = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(arguments.delay, arguments.jitter))
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the parent closes our stdin (or exits)
    server.shutdown()
    return 0


@contextmanager
def http_stub(*, delay: float = 0.0, jitter: float = 0.0) -> Iterator[str]:
    """Run the server in a child process for the duration; yield its endpoint URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.http_stub", f"--delay={delay}", f"--jitter={jitter}"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    stdin, stdout = child.stdin, child.stdout
    if stdin is None or stdout is None:  # never: both are pipes
        raise RuntimeError("the stub server's pipes are missing")
    try:
        url = stdout.readline().strip()
        if not url:
            raise RuntimeError("the stub server did not start")
        yield url
    finally:
        stdin.close()
        child.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
