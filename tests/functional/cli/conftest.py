"""The CLI run in-process with CliRunner against moto (the functional conftest starts mock_aws)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from loyalty_cli.app import app
from loyalty_cli.context import CliContext

if TYPE_CHECKING:
    from collections.abc import Sequence

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


class Response:
    """The part of an HTTP response botocore reads from a before-call hook's short circuit."""

    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


Hook = Callable[..., "tuple[Response, dict[str, Any]] | None"]


@pytest.fixture
def client_hooks(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str, Hook], None]:
    """Register botocore event hooks on the clients the CLI builds (``service``, event, hook).

    A ``before-call`` hook that returns ``(Response, parsed)`` replaces the call's response, so
    botocore raises or returns exactly as for a real one.
    """
    hooks: list[tuple[str, str, Hook]] = []
    build = CliContext._client

    def client(self: CliContext, service: str) -> Any:
        built = build(self, service)
        for n, (wanted, event, hook) in enumerate(hooks):
            if wanted == service:
                built.meta.events.register(event, hook, unique_id=f"test-hook-{n}")
        return built

    monkeypatch.setattr(CliContext, "_client", client)

    def add(service: str, event: str, hook: Hook) -> None:
        hooks.append((service, event, hook))

    return add


@pytest.fixture
def fail_calls(
    client_hooks: Callable[[str, str, Hook], None],
) -> Callable[..., None]:
    """Make the CLI's ``service`` client fail ``operation`` with error ``code`` ``times`` times."""

    def add(service: str, operation: str, code: str, times: int = 1_000) -> None:
        remaining = [times]

        def fail(**_: Any) -> tuple[Response, dict[str, Any]] | None:
            if remaining[0] == 0:
                return None
            remaining[0] -= 1
            return Response(400), {"Error": {"Code": code, "Message": f"injected {code}"}}

        client_hooks(service, f"before-call.{service}.{operation}", fail)

    return add


def lines(text: str) -> Sequence[str]:
    return [line for line in text.splitlines() if line.strip()]
