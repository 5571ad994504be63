"""Files the sandbox runs from: ``template.yaml`` and the Lambda entrypoints.

A wheel carries them as package data (``pyproject.toml`` force-includes them into this package).
An editable install does not put them beside the sources, so there they are read from the
checkout this package sits in, which is also what a developer expects: their own edits.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["packaged_file"]

_CHECKOUT = Path(__file__).resolve().parents[2]


def packaged_file(relative: str) -> Path:
    """The path of ``relative`` (e.g. ``template.yaml``, ``lambda_entrypoints/ingest.py``).

    Raises
    ------
    FileNotFoundError
        Naming both places looked in.
    """
    packaged = resources.files(__package__ or "loyalty_sandbox").joinpath(relative)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = _CHECKOUT / relative
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(
        f"{relative} is neither packaged with loyalty_sandbox nor in the checkout at {_CHECKOUT}"
    )
