"""The global options, declared once and accepted before or after the command, as the AWS CLI does.

``loyalty --table T show C`` and ``loyalty show C --table T`` mean the same. Before the command an
option falls back to its environment variable; after it, an option is only what was typed, and
wins over the same option before the command.
"""

from __future__ import annotations

import functools
import inspect
from copy import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from loyalty_cli.context import CliContext, OutputFormat

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["GLOBAL_OPTIONS", "global_options"]

_PANEL = "Global options"


@dataclass(frozen=True, slots=True)
class _GlobalOption:
    name: str
    annotation: Any
    default: Any
    envvar: str | list[str] | None = None


GLOBAL_OPTIONS = (
    _GlobalOption(
        "table",
        Annotated[str | None, typer.Option(help="DynamoDB table of the ledger.")],
        None,
        "LOYALTY_TABLE_NAME",
    ),
    _GlobalOption(
        "region",
        Annotated[str | None, typer.Option(help="AWS region.")],
        None,
        ["AWS_REGION", "AWS_DEFAULT_REGION"],
    ),
    _GlobalOption(
        "endpoint_url",
        Annotated[str | None, typer.Option(help="AWS endpoint URL (e.g. a local emulator).")],
        None,
        "AWS_ENDPOINT_URL",
    ),
    _GlobalOption(
        "profile",
        Annotated[str | None, typer.Option(help="AWS named profile.")],
        None,
        "AWS_PROFILE",
    ),
    _GlobalOption(
        "output",
        Annotated[
            OutputFormat | None,
            typer.Option(
                "--output",
                "-o",
                help="'table' for people (default), 'json' for scripts (stdout then carries only "
                "JSON).",
            ),
        ],
        None,
    ),
    _GlobalOption(
        "debug",
        Annotated[
            bool, typer.Option(metavar="", help="Show tracebacks and debug logs on failure.")
        ],
        False,
    ),
)
"""Each option's one declaration: name, type with its Typer option, default, environment."""


def _parameter(option: _GlobalOption, *, environment: bool) -> inspect.Parameter:
    base, info = option.annotation.__origin__, option.annotation.__metadata__[0]
    info = copy(info)
    info.envvar = option.envvar if environment else None
    info.rich_help_panel = _PANEL
    return inspect.Parameter(
        option.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=option.default,
        annotation=Annotated[base, info],
    )


def global_options(*, environment: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the global options to a command (or, with ``environment``, to the app's callback).

    The decorated function takes ``ctx: typer.Context`` (Typer passes it by name); the options given are stored on the
    :class:`CliContext` in ``ctx.obj`` before it runs, replacing any given before the command.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        added = [_parameter(option, environment=environment) for option in GLOBAL_OPTIONS]
        signature = inspect.signature(command, eval_str=True)

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {option.name: kwargs.pop(option.name) for option in GLOBAL_OPTIONS}
            state = kwargs["ctx"].ensure_object(CliContext)
            state.apply(**{name: value for name, value in given.items() if value})
            return command(*args, **kwargs)

        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(), *added]
        )
        wrapper.__annotations__ = {
            **{name: p.annotation for name, p in signature.parameters.items()},
            **{p.name: p.annotation for p in added},
        }
        return wrapper

    return decorate
