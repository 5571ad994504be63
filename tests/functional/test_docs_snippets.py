"""Every Python code sample in docs/ runs as written (against moto), so the docs cannot rot."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import boto3
import pytest

from tests.support.aws import REGION, create_table

DOCS = Path(__file__).parents[2] / "docs"
PAGES = sorted(path for path in DOCS.rglob("*.md") if "```python" in path.read_text())


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"^ *```python\n(.*?)^ *```", page.read_text(), re.S | re.M)


def test_the_docs_have_python_samples_to_check() -> None:
    assert PAGES, "no page with a Python sample found"


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_python_sample_on_the_page_runs(page: Path) -> None:
    create_table(boto3.client("dynamodb", region_name=REGION), "loyalty-ledger")
    namespace: dict[str, object] = {"__name__": "docs_sample"}
    for block in python_blocks(page):
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(block, str(page), "exec"), namespace)
