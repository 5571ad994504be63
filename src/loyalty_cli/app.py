"""The ``loyalty`` command: the global options and the command registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalty_cli.commands import (
    backfill,
    demo,
    fake,
    ingest,
    redeem,
    replay_dlq,
    revoke,
    sandbox,
    show,
    transactions,
)
from loyalty_cli.options import global_options

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["app", "main"]

app = typer.Typer(
    name="loyalty",
    help="Operate the loyalty-points ledger: inspect customers, redeem points, replay the DLQ, "
    "backfill aggregates, import bookings, issue fake traffic.",
    no_args_is_help=True,
    # Tracebacks only with --debug, plain (Rich's traceback module is slow to import and would
    # print local variables, which may hold secrets).
    pretty_exceptions_enable=False,
)
fake_app = typer.Typer(help="Fake test traffic.", no_args_is_help=True)
redeem_app = typer.Typer(
    help="Spend a customer's points: hold (reserve), spend (commit), release or refund (cancel).",
    no_args_is_help=True,
)


def _print_version(value: bool) -> None:
    if value:
        from loyalty import __version__

        typer.echo(f"loyalty {__version__}")
        raise typer.Exit


@app.callback()
@global_options(environment=True)
def options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            metavar="",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Global options go before or after the command: ``loyalty show C --table T``."""


def _register(group: typer.Typer, name: str, command: Callable[..., Any]) -> None:
    group.command(name)(global_options(environment=False)(command))


_register(app, "show", show.show)
_register(app, "transactions", transactions.transactions)
_register(app, "revoke", revoke.revoke)
_register(app, "ingest", ingest.ingest)
_register(app, "replay-dlq", replay_dlq.replay_dlq)
_register(app, "backfill", backfill.backfill)
_register(fake_app, "issue", fake.issue)
app.add_typer(fake_app, name="fake")
_register(redeem_app, "reserve", redeem.reserve)
_register(redeem_app, "commit", redeem.commit)
_register(redeem_app, "cancel", redeem.cancel)
app.add_typer(redeem_app, name="redeem")
_register(app, "sandbox", sandbox.sandbox)
_register(app, "demo", demo.demo)


def main() -> None:
    """Console-script entry point."""
    app()
