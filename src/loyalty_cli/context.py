"""What every command shares: the global options, the AWS clients built from them, and output."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

from loyalty_cli.errors import EXIT_USAGE, CliError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from boto3.session import Session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from rich.console import Console
    from rich.progress import Progress

    from loyalty.errors import UnreadableItem
    from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository
    from loyalty.settings import Settings

__all__ = ["CliContext", "OutputFormat", "cli_context"]

_UNREADABLE_SHOWN = 3


class OutputFormat(StrEnum):
    """How results are printed on stdout."""

    TABLE = "table"
    JSON = "json"


@dataclass
class CliContext:
    """The global options and the AWS clients built from them on first use."""

    table: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    profile: str | None = None
    output: OutputFormat = OutputFormat.TABLE
    debug: bool = False
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _session: Session | None = field(default=None, repr=False)
    _repository: DynamoDBLoyaltyRepository | None = field(default=None, repr=False)

    def apply(self, **given: Any) -> None:
        """Set the global options given (by name); ``debug`` also turns on debug logs."""
        for name, value in given.items():
            setattr(self, name, value)
        if given.get("debug"):
            import logging

            logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
            logging.getLogger("loyalty").setLevel(logging.DEBUG)

    @property
    def json(self) -> bool:
        """Whether stdout carries JSON only (no tables, progress bars or colour)."""
        return self.output is OutputFormat.JSON

    def table_name(self) -> str:
        """The table to use; a usage error when neither ``--table`` nor the variable is set."""
        if not self.table:
            raise CliError(
                "no table name: pass --table or set LOYALTY_TABLE_NAME", exit_code=EXIT_USAGE
            )
        return self.table

    def session(self) -> Session:
        """The boto3 session of ``--profile`` and ``--region``."""
        if self._session is None:
            import boto3

            self._session = boto3.Session(profile_name=self.profile, region_name=self.region)
        return self._session

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            config = None
            if service == "dynamodb":
                # The library's own settings: the same pool and retries as the Lambdas.
                from loyalty.repository.dynamodb import dynamodb_client_config

                config = dynamodb_client_config()
            self._clients[service] = self.session().client(
                service,  # type: ignore[call-overload]
                endpoint_url=self.endpoint_url,
                config=config,
            )
        return self._clients[service]

    def dynamodb(self) -> DynamoDBClient:
        """The DynamoDB client (shared by every thread of a command)."""
        client: DynamoDBClient = self._client("dynamodb")
        return client

    def sqs(self) -> SQSClient:
        """The SQS client."""
        client: SQSClient = self._client("sqs")
        return client

    def repository(self) -> DynamoDBLoyaltyRepository:
        """The ledger repository on ``--table``."""
        if self._repository is None:
            from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository

            self._repository = DynamoDBLoyaltyRepository(self.dynamodb(), self.table_name())
        return self._repository

    def settings(self) -> Settings:
        """Policy settings (tier thresholds, fake TTL) from the same variables the Lambdas read."""
        from loyalty.settings import Settings

        return Settings.from_environ({**os.environ, "LOYALTY_TABLE_NAME": self.table_name()})

    def console(self) -> Console:
        """Rich console on stdout for tables (plain when stdout is not a terminal)."""
        from rich.console import Console

        return Console(highlight=False)

    def err_console(self) -> Console:
        """Rich console on stderr for progress and notes, so stdout stays parseable."""
        from rich.console import Console

        return Console(stderr=True, highlight=False)

    def progress(self) -> Progress:
        """A progress display on stderr; off with ``--output json`` or when stderr is no terminal."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        console = self.err_console()
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=self.json or not console.is_terminal,
            transient=True,
        )

    def note(self, message: str) -> None:
        """A human note on stderr (skipped with ``--output json``)."""
        if not self.json:
            self.err_console().print(message)

    def warn_unreadable(self, unreadable: Sequence[UnreadableItem]) -> None:
        """One warning line on stderr (also with ``--output json``) for items that were skipped."""
        if not unreadable:
            return
        shown = "; ".join(str(error) for error in unreadable[:_UNREADABLE_SHOWN])
        more = len(unreadable) - _UNREADABLE_SHOWN
        print(
            f"warning: skipped {len(unreadable)} unreadable ledger item(s), not counted: {shown}"
            + (f"; and {more} more" if more > 0 else ""),
            file=sys.stderr,
        )

    def emit_json(self, data: Any) -> None:
        """Print ``data`` as the command's only stdout output."""
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")

    def confirm(self, question: str, *, yes: bool) -> None:
        """Ask on stderr before a write unless ``--yes``; declining aborts with exit 1."""
        if yes:
            return
        if not typer.confirm(question, default=False, err=True):
            raise CliError("aborted: nothing was written")


def cli_context(ctx: typer.Context) -> CliContext:
    """The :class:`CliContext` the app's callback stored on the Typer context."""
    return ctx.ensure_object(CliContext)
