"""Every `loyalty ...` command written in the docs and the README names real commands and options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loyalty_cli.app import app

ROOT = Path(__file__).parents[3]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def documented_commands() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for page in PAGES:
        text = page.read_text()
        inline = re.findall(r"`(loyalty [^`]+)`", text)
        blocks = re.findall(r"^ *```bash\n(.*?)^ *```", text, re.S | re.M)
        lines = [line.strip() for block in blocks for line in block.splitlines()]
        for command in [*inline, *(line for line in lines if line.startswith("loyalty "))]:
            found.append((page.name, command.split("#")[0].split("&&")[0].strip()))
    return found


COMMANDS = documented_commands()


def test_the_docs_show_loyalty_commands() -> None:
    assert len(COMMANDS) > 10


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[f"{p}: {c}" for p, c in COMMANDS])
def test_a_documented_command_parses(page: str, command: str) -> None:
    # --help is eager, but click parses every argument first: an unknown command or option fails.
    arguments = shlex.split(command)[1:]
    result = CliRunner().invoke(app, [*arguments, "--help"])
    assert result.exit_code == 0, f"{page}: {command}\n{result.output}"
