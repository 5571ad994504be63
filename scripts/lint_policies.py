"""Lint every IAM policy in ``template.yaml`` with parliament (``nox -s template`` runs it).

cfn-lint checks the template's syntax and types; parliament checks what the policies mean: that
each action exists, that it is granted on a resource of a type it applies to (``RESOURCE_MISMATCH``:
``dynamodb:ListStreams`` on a stream ARN grants nothing), and its community auditors' checks.

Parliament reads plain policy JSON, so each role's inline policies are rendered first: intrinsic
functions become the ARNs CloudFormation would put there for example names, and both branches of
an ``Fn::If`` are linted. Any finding fails the run.

Usage: ``python scripts/lint_policies.py [template.yaml]``.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["lint_policy", "main", "rendered_policies"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]

_PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "loyalty",
}
_EXAMPLE_PARAMETERS = {"ConfigParameterName": "/loyalty/prod/config"}
# A real stream label is a timestamp with colons (2026-01-01T00:00:00.000); parliament splits ARNs
# on ":" and would report a mismatch for any stream ARN, so the example label has none. The label
# does not matter to any check: the resource type is "table/NAME/stream/LABEL" either way.
_STREAM_LABEL = "2026-01-01T00.00.00.000"


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:eu-west-1:123456789012:{resource}"


def _get_att(resources: dict[str, Any], name: str, attribute: str) -> str:
    kind = resources[name]["Type"]
    if kind == "AWS::DynamoDB::Table":
        table = _arn("dynamodb", f"table/{name}")
        return f"{table}/stream/{_STREAM_LABEL}" if attribute == "StreamArn" else table
    if kind == "AWS::SQS::Queue":
        return _arn("sqs", name)
    if kind == "AWS::Logs::LogGroup":
        return _arn("logs", f"log-group:{name}:*")
    raise ValueError(f"no example ARN for Fn::GetAtt {name}.{attribute} ({kind})")


def _render(value: Any, resources: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_render(item, resources) for item in value]
    if not isinstance(value, dict):
        return value
    if "Fn::GetAtt" in value:
        name, attribute = value["Fn::GetAtt"]
        return _get_att(resources, name, attribute)
    if "Fn::Sub" in value:

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in _PSEUDO:
                return _PSEUDO[name]
            if name in _EXAMPLE_PARAMETERS:
                return _EXAMPLE_PARAMETERS[name]
            resource, _, attribute = name.partition(".")
            return _get_att(resources, resource, attribute or "Arn")

        return re.sub(r"\$\{([^}]+)\}", substitute, value["Fn::Sub"])
    if "Ref" in value:
        name = value["Ref"]
        if resources.get(name, {}).get("Type") == "AWS::SNS::Topic":
            return _arn("sns", name)  # Ref of a topic is its ARN
        return _PSEUDO.get(name, _EXAMPLE_PARAMETERS.get(name, name))
    return {key: _render(item, resources) for key, item in value.items()}


def _statements(statement: Any) -> list[Any]:
    """A statement, or both branches of a statement under ``Fn::If`` (without ``NoValue``)."""
    if isinstance(statement, dict) and "Fn::If" in statement:
        _, *branches = statement["Fn::If"]
        return [b for b in branches if b != {"Ref": "AWS::NoValue"}]
    return [statement]


def rendered_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every role's inline policy as plain policy JSON, keyed ``Role/PolicyName``."""
    resources: dict[str, Any] = template["Resources"]
    policies: dict[str, dict[str, Any]] = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            document = policy["PolicyDocument"]
            statements = [s for item in document["Statement"] for s in _statements(item)]
            policies[f"{name}/{policy['PolicyName']}"] = _render(
                {**document, "Statement": statements}, resources
            )
    return policies


def lint_policy(policy: dict[str, Any]) -> list[str]:
    """Parliament's findings on one policy (community auditors included), one line each."""
    # Imported here: parliament is a lint-time tool, not a dependency of the library.
    parliament = importlib.import_module("parliament")
    analysed = parliament.analyze_policy_string(json.dumps(policy), include_community_auditors=True)
    return [f"{finding.issue}: {finding.detail}" for finding in analysed.findings]


def main(argv: list[str] | None = None) -> int:
    """Lint the template's policies; print the findings and return 1 if there are any."""
    from loyalty_sandbox.template import load_template

    arguments = sys.argv[1:] if argv is None else argv
    path = Path(arguments[0]) if arguments else PROJECT_ROOT / "template.yaml"
    policies = rendered_policies(load_template(path))
    failed = False
    for name, policy in policies.items():
        for finding in lint_policy(policy):
            failed = True
            print(f"{path.name}: {name}: {finding}")
    print(f"parliament: {len(policies)} policies checked, {'findings' if failed else 'clean'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
