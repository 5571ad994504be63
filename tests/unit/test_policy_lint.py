"""The policy linter behind ``nox -s template``: parliament on every role's rendered policy."""

from __future__ import annotations

from scripts.lint_policies import lint_policy, main, rendered_policies
from tests.support.cfn import load_template

ROLES = {
    "IngestFunctionRole/ingest",
    "AggregateFunctionRole/aggregate",
    "GetPointsFunctionRole/get-points",
    "NotifyFunctionRole/notify",
    "RedemptionsFunctionRole/redemptions",
}


def test_every_role_policy_is_rendered_with_both_branches_of_its_conditions() -> None:
    policies = rendered_policies(load_template())
    assert set(policies) == ROLES
    aggregate = {s["Sid"]: s for s in policies["AggregateFunctionRole/aggregate"]["Statement"]}
    assert aggregate["ReadStageConfig"]["Resource"] == (
        "arn:aws:ssm:eu-west-1:123456789012:parameter/loyalty/prod/config"
    )
    assert aggregate["ReadLedgerStream"]["Resource"].startswith(
        "arn:aws:dynamodb:eu-west-1:123456789012:table/LedgerTable/stream/"
    )


def test_parliament_finds_nothing_in_the_template() -> None:
    assert main([]) == 0


def test_parliament_flags_list_streams_scoped_to_a_stream_arn() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "dynamodb:ListStreams",
                "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/*",
            }
        ],
    }
    (finding,) = lint_policy(policy)
    assert finding.startswith("RESOURCE_MISMATCH")


def test_the_notifier_may_publish_to_the_events_topic_only() -> None:
    notify = {
        s["Sid"]: s
        for s in rendered_policies(load_template())["NotifyFunctionRole/notify"]["Statement"]
    }
    assert notify["PublishEvents"]["Resource"] == "arn:aws:sns:eu-west-1:123456789012:EventsTopic"
