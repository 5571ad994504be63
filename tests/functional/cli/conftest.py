"""The CLI run in-process with CliRunner against moto (the functional conftest starts mock_aws)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from loyalty_cli.app import app
from loyalty_cli.context import CliContext

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from typer.testing import Result


class Cli:
    """Runs ``loyalty`` with arguments; ``json()`` parses stdout of an ``--output json`` run."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input)

    def json(self, *args: str, input: str | None = None, exit_code: int = 0) -> Any:
        result = self("--output", "json", *args, input=input)
        assert result.exit_code == exit_code, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


class _ErrorResponse:
    status_code = 400


@pytest.fixture
def fail_calls(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str, str, int], None]:
    """Make the CLI's ``service`` client fail ``operation`` with error ``code`` ``times`` times.

    The failure is injected with botocore's before-call hook, so botocore raises the same
    ClientError it would for a real error response.
    """
    failures: list[tuple[str, str, str, list[int]]] = []
    build = CliContext._client

    def client(self: CliContext, service: str) -> Any:
        built = build(self, service)
        for wanted_service, operation, code, remaining in failures:
            if wanted_service != service:
                continue

            def fail(
                *, code: str = code, remaining: list[int] = remaining, **_: Any
            ) -> tuple[_ErrorResponse, dict[str, Any]] | None:
                if remaining[0] == 0:
                    return None
                remaining[0] -= 1
                return _ErrorResponse(), {"Error": {"Code": code, "Message": f"injected {code}"}}

            built.meta.events.register(
                f"before-call.{service}.{operation}", fail, unique_id=f"fail-{operation}-{code}"
            )
        return built

    monkeypatch.setattr(CliContext, "_client", client)

    def add(service: str, operation: str, code: str, times: int = 1_000) -> None:
        failures.append((service, operation, code, [times]))

    return add


def lines(text: str) -> Sequence[str]:
    return [line for line in text.splitlines() if line.strip()]
