"""The emulator process: ``python -m loyalty_sandbox.emulator FD``, started by the sandbox.

It serves moto's application on the listening socket inherited as file descriptor ``FD``,
writes ``ready`` on its standard output once serving, and stops when its standard input ends
(:class:`~loyalty_sandbox.server.EmulatorServer` closes it, or its process died).
"""

from __future__ import annotations

import os
import signal
import sys

from loyalty_sandbox.server import serve

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Serve until standard input ends; the exit code is 0."""
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1 or not arguments[0].isdigit():
        print("usage: python -m loyalty_sandbox.emulator FD", file=sys.stderr)
        return 2
    # Ctrl-C at a terminal reaches the whole process group: the sandbox stops its pollers first
    # and then this process, which must keep serving them until then.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ready = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # Anything written to standard output later (moto's own prints) goes with the errors,
    # not into the pipe nobody reads once the sandbox has seen "ready".
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with ready:
        serve(int(arguments[0]), ready=ready, until=sys.stdin.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
