"""Turn known failures into one line on stderr and an exit code, instead of a traceback."""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "CliError", "describe", "reports_errors"]

EXIT_FAILURE = 1
EXIT_USAGE = 2

P = ParamSpec("P")
R = TypeVar("R")

_ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)
_QUEUE_MISSING = frozenset(
    {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NonExistentQueue"}
)


class CliError(Exception):
    """A failure the operator can act on; its message is printed as the one line on stderr."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def describe(error: BaseException, *, table: str | None = None) -> CliError:
    """The one-line explanation of a failure, and its exit status."""
    from loyalty import errors

    if isinstance(error, CliError):
        return error
    if type(error).__module__.startswith("botocore"):
        return _describe_botocore(error, table) or _unexpected(error)
    if isinstance(error, errors.IngestInterrupted) and error.__cause__ is not None:
        cause = describe(error.__cause__, table=table)
        return CliError(f"{cause} ({error}; re-running is safe, ingest is idempotent)")
    if isinstance(error, errors.AmbiguousSourceQueue):
        return CliError(f"{error}; pass --queue-url or set LOYALTY_QUEUE_URL", EXIT_USAGE)
    if isinstance(error, errors.InsufficientPoints):
        return CliError(
            f"customer {error.customer_id} has {error.available:,} spendable points, "
            f"asked for {error.requested:,}"
        )
    if isinstance(error, errors.ConfigurationError | errors.InvalidIdentifier):
        return CliError(str(error), EXIT_USAGE)
    if isinstance(error, errors.LoyaltyError):
        return CliError(str(error))
    return _unexpected(error)


def _unexpected(error: BaseException) -> CliError:
    return CliError(f"unexpected {type(error).__name__}: {error} (run with --debug for details)")


def _describe_botocore(error: BaseException, table: str | None) -> CliError | None:
    from botocore import exceptions

    if isinstance(error, exceptions.NoCredentialsError | exceptions.PartialCredentialsError):
        return CliError(
            "no AWS credentials found: pass --profile, set AWS_PROFILE or "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    if isinstance(error, exceptions.ProfileNotFound):
        return CliError(f"{error} (check --profile / AWS_PROFILE)", EXIT_USAGE)
    if isinstance(error, exceptions.NoRegionError):
        return CliError("no AWS region: pass --region or set AWS_REGION", EXIT_USAGE)
    if isinstance(error, exceptions.ConnectionError):
        return CliError(f"cannot reach the AWS endpoint: {error}")
    if isinstance(error, exceptions.ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        message = str(details.get("Message", "")) or str(error)
        operation = error.operation_name
        if code == "ResourceNotFoundException":
            name = f" {table!r}" if table else ""
            return CliError(f"table{name} not found ({operation}: {message})")
        if code in _ACCESS_DENIED:
            return CliError(f"access denied ({operation}: {code}): {message}")
        if code in _QUEUE_MISSING:
            # Set by loyalty_cli.replay_checks.name_queues_in_errors on the clients it names.
            queue = details.get("Queue")
            name = f" {queue!r}" if queue else ""
            return CliError(f"queue{name} not found ({operation}): {message}")
        return CliError(f"{operation} failed: {code}: {message}")
    if isinstance(error, exceptions.BotoCoreError):
        return CliError(str(error))
    return None


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so failures end as one line on stderr and a non-zero exit.

    The one place where errors become messages: the CLI's own :class:`CliError`, botocore's and
    the library's (every :class:`loyalty.errors.LoyaltyError`). With ``--debug`` the exception
    propagates with its traceback instead. The command takes ``ctx: typer.Context``.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:
            state = getattr(kwargs.get("ctx"), "obj", None)
            if getattr(state, "debug", False):
                raise
            failure = describe(error, table=getattr(state, "table", None))
            print(f"error: {failure}", file=sys.stderr)
            raise typer.Exit(failure.exit_code) from None

    return wrapper
