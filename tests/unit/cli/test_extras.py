"""Each ``loyalty`` command says in one line which extra it needs when it is not installed."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from loyalty_cli import extras
from loyalty_cli.app import app


def test_without_the_cli_extra_the_command_names_the_extra_instead_of_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A library-only install: typer cannot be imported.
    monkeypatch.setitem(sys.modules, "typer", None)

    with pytest.raises(SystemExit) as exited:
        extras.main()

    assert exited.value.code == 1
    assert capsys.readouterr().err == (
        "error: the loyalty command needs the 'cli' extra (typer missing): "
        'pip install "loyalty-ledger[cli]"\n'
    )


@pytest.mark.parametrize(("command", "module"), [("demo", "yaml"), ("sandbox", "moto")])
def test_without_the_sandbox_extra_demo_and_sandbox_name_the_extra_in_one_line(
    monkeypatch: pytest.MonkeyPatch, command: str, module: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)

    result = CliRunner().invoke(app, [command])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: loyalty {command} needs the 'sandbox' extra ({module} missing): "
        'pip install "loyalty-ledger[cli,sandbox]"\n'
    )


def test_with_every_extra_installed_nothing_is_reported_missing() -> None:
    assert extras.missing_extra("cli", "loyalty") is None
    assert extras.missing_extra("sandbox", "loyalty sandbox") is None
