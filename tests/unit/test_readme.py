"""The README's library example runs as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_library_example_runs_and_prints_the_summary() -> None:
    blocks = re.findall(r"<!-- readme-test: run -->\n```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README lost its runnable example"
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for block in blocks:
            exec(compile(block, str(README), "exec"), {})
    assert "points=60000" in output.getvalue()
    assert "SILVER" in output.getvalue()
