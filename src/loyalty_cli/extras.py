"""Which optional extra each part of ``loyalty`` needs, said in one line when it is missing.

The library installs alone (``pip install loyalty-ledger``); the command needs the ``cli`` extra,
and ``loyalty sandbox`` and ``loyalty demo`` the ``sandbox`` extra as well. This module imports
nothing optional itself, so it can say so before anything fails to import.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["EXTRA_MODULES", "main", "missing_extra", "require_sandbox"]

EXTRA_MODULES = {
    "cli": ("typer", "click", "rich"),
    "sandbox": ("moto", "flask", "flask_cors", "werkzeug", "yaml"),
}
"""The modules each extra brings that ``loyalty`` imports (directly or through moto's server)."""

_INSTALL = {"cli": "loyalty-ledger[cli]", "sandbox": "loyalty-ledger[cli,sandbox]"}


def missing_extra(extra: str, user: str) -> str | None:
    """The one line telling how to install ``extra`` if any of its modules is absent, else None.

    ``user`` names what needs it (``the loyalty command``, ``loyalty demo``).
    """
    absent = [name for name in EXTRA_MODULES[extra] if importlib.util.find_spec(name) is None]
    if not absent:
        return None
    return (
        f"{user} needs the '{extra}' extra ({', '.join(absent)} missing): "
        f'pip install "{_INSTALL[extra]}"'
    )


def require_sandbox(command: str) -> None:
    """Fail ``loyalty {command}`` with one line if the ``sandbox`` extra is not installed."""
    from loyalty_cli.errors import CliError

    message = missing_extra("sandbox", f"loyalty {command}")
    if message is not None:
        raise CliError(message)


def main() -> None:
    """Console-script entry point: the ``loyalty`` command, or one line naming the extra."""
    message = missing_extra("cli", "the loyalty command")
    if message is not None:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(1)
    from loyalty_cli.app import main as run

    run()
