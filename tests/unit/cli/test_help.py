"""``loyalty --help`` and each command's help show flags as flags, without a value."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from loyalty_cli.app import app

# Typer's own options (help, completion) are rendered by Typer, not declared here.
_TYPER_OWN = {"--help", "--install-completion", "--show-completion"}


def _our_flags(command: str) -> list[str]:
    group = typer.main.get_command(app)
    target = group
    for name in command.split():
        target = target.commands[name]  # type: ignore[attr-defined]
    return [
        option
        for parameter in target.params
        if getattr(parameter, "is_flag", False)
        for option in parameter.opts
        if option.startswith("--") and option not in _TYPER_OWN
    ]


@pytest.mark.parametrize(
    "command", ["", "replay-dlq", "ingest", "revoke", "backfill", "fake issue"]
)
def test_boolean_flags_are_shown_without_a_value_placeholder(command: str) -> None:
    flags = _our_flags(command)
    assert flags, f"no flags found on 'loyalty {command}'"

    result = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    for flag in flags:
        line = next(line for line in result.output.splitlines() if re.search(rf"{flag}\b", line))
        assert "<bool>" not in line, line
