"""Read template.yaml as data, with the sandbox's loader for CloudFormation's short-form tags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loyalty_sandbox.template import load_template as _load

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "template.yaml"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, intrinsics in their long (JSON) form."""
    return _load(path)


def get_att(resource: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [resource, attribute]}


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}
