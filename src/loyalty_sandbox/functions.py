"""Load the real Lambda handlers for the sandbox, each as its own "cold start"."""

from __future__ import annotations

import importlib.util
import itertools
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

import boto3

from loyalty_sandbox.packaged import packaged_file

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path
    from types import ModuleType

__all__ = ["Handler", "handler_path", "load_function"]

_loads = itertools.count(1)

# Variables that would point a handler's boto3 client anywhere but the emulator.
_SCRUBBED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE")


class Handler(Protocol):
    """A Lambda handler: ``handler(event, context) -> response``."""

    def __call__(self, event: dict[str, Any], context: Any, /) -> Any: ...


def handler_path(name: str) -> Path:
    """The source of ``lambda_entrypoints/{name}.py``: packaged in the wheel or in the checkout."""
    return packaged_file(f"lambda_entrypoints/{name}.py")


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in (*values, *_SCRUBBED)}
    saved_session = boto3.DEFAULT_SESSION
    try:
        for name in _SCRUBBED:
            os.environ.pop(name, None)
        os.environ.update(values)
        # A fresh default session reads the environment above, not credentials cached earlier.
        boto3.DEFAULT_SESSION = None
        yield
    finally:
        boto3.DEFAULT_SESSION = saved_session
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def load_function(name: str, environment: Mapping[str, str]) -> ModuleType:
    """Import ``lambda_entrypoints/{name}.py`` afresh with ``environment`` set, as Lambda would.

    Each call is a separate module (a new "execution environment"): its configuration and boto3
    client come from ``environment``, whatever other copies of the module were imported before
    (for instance under ``moto.mock_aws`` in the functional tests).
    """
    path = handler_path(name)
    spec = importlib.util.spec_from_file_location(
        f"loyalty_sandbox_function_{next(_loads)}_{name}", path
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    with _environment(environment):
        spec.loader.exec_module(module)
    return module
