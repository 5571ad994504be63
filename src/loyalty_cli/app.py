"""The ``loyalty`` command: global options and the command registry."""

from __future__ import annotations

from typing import Annotated

import typer

from loyalty_cli.commands import (
    backfill,
    demo,
    fake,
    ingest,
    replay_dlq,
    revoke,
    sandbox,
    show,
    transactions,
)
from loyalty_cli.context import CliContext, OutputFormat

__all__ = ["app", "main"]

app = typer.Typer(
    name="loyalty",
    help="Operate the loyalty-points ledger: inspect customers, replay the DLQ, backfill "
    "aggregates, import bookings, issue fake traffic.",
    no_args_is_help=True,
    # Tracebacks only with --debug, plain (Rich's traceback module is slow to import and would
    # print local variables, which may hold secrets).
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from loyalty import __version__

        typer.echo(f"loyalty {__version__}")
        raise typer.Exit


@app.callback()
def options(
    ctx: typer.Context,
    table: Annotated[
        str | None,
        typer.Option(help="DynamoDB table of the ledger.", envvar="LOYALTY_TABLE_NAME"),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="AWS region.", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"]),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(help="AWS endpoint URL (e.g. a local emulator).", envvar="AWS_ENDPOINT_URL"),
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="AWS named profile.", envvar="AWS_PROFILE")
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--output",
            "-o",
            help="'table' for people, 'json' for scripts (stdout then carries only JSON).",
        ),
    ] = OutputFormat.TABLE,
    debug: Annotated[
        bool, typer.Option(metavar="", help="Show tracebacks and debug logs on failure.")
    ] = False,
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
    """Global options; they go before the command: ``loyalty --table T show C``."""
    if debug:
        import logging

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("loyalty").setLevel(logging.DEBUG)
    ctx.obj = CliContext(
        table=table,
        region=region,
        endpoint_url=endpoint_url,
        profile=profile,
        output=output,
        debug=debug,
    )


app.command("show")(show.show)
app.command("transactions")(transactions.transactions)
app.command("revoke")(revoke.revoke)
app.command("ingest")(ingest.ingest)
app.command("replay-dlq")(replay_dlq.replay_dlq)
app.command("backfill")(backfill.backfill)
app.add_typer(fake.app, name="fake")
app.command("sandbox")(sandbox.sandbox)
app.command("demo")(demo.demo)


def main() -> None:
    """Console-script entry point."""
    app()
