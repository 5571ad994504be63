"""``nox`` cannot pass without testing: sessions run on the interpreter present, or fail."""

from __future__ import annotations

import nox
import pytest

import noxfile  # noqa: F401 - importing it registers the sessions


def test_a_missing_interpreter_fails_the_run_instead_of_skipping_the_session() -> None:
    assert nox.options.error_on_missing_interpreters is True


@pytest.mark.parametrize("name", nox.options.sessions)
def test_every_default_session_runs_on_the_interpreter_nox_runs_on(name: str) -> None:
    session = nox.registry.get()[name]
    # None: nox's own interpreter, so no Python version on PATH can make the session skip.
    assert session.python is None, (name, session.python)


def test_the_lambda_runtime_session_pins_the_templates_python() -> None:
    session = nox.registry.get()["lambda_runtime"]
    assert session.python == "3.12"
