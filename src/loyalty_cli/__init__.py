"""The ``loyalty`` operator command (Typer + Rich).

Importing this package is cheap: boto3, pydantic and the library are imported inside the commands
that need them, so ``loyalty --help`` and shell completion stay fast.
"""

from __future__ import annotations

__all__: list[str] = []
