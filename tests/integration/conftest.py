"""One sandbox (moto server on 127.0.0.1, real handlers behind local pollers) for the module."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from loyalty_sandbox import Sandbox

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

FAKE_TTL_SECONDS = 2


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    # Tests use their own customer ids, so one sandbox serves a whole module; each test drains it.
    with Sandbox(
        visibility_timeout=1,
        ttl_interval=0.5,
        function_environment={"LOYALTY_FAKE_TTL_SECONDS": str(FAKE_TTL_SECONDS)},
    ) as running:
        yield running


@pytest.fixture(scope="module")
def get_function(sandbox: Sandbox) -> ModuleType:
    return sandbox.load_function("get_points")
