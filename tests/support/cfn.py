"""Read template.yaml as data, with the sandbox's loader for CloudFormation's short-form tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loyalty_sandbox.template import load_template as _load, template_path

if TYPE_CHECKING:
    from pathlib import Path


def load_template(path: Path | None = None) -> dict[str, Any]:
    """The template (the checkout's, as the sandbox finds it) as plain data, intrinsics in their
    long (JSON) form."""
    return _load(path or template_path())


def get_att(resource: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [resource, attribute]}


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}
