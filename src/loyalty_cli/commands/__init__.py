"""One module per ``loyalty`` command; none imports boto3, moto or pydantic at module level."""

from __future__ import annotations

__all__: list[str] = []
