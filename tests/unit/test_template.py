"""template.yaml as data: least privilege, timeouts, event source mappings, filters, alarms."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from loyalty.domain.tiers import DEFAULT_TIER_POLICY
from loyalty.repository.items import AGGREGATE_PREFIX, BOOKING_PREFIX, TRANSACTION_PREFIX
from loyalty.settings import Settings
from tests.support.cfn import get_att, load_template, ref

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
GLOBAL_FUNCTION: dict[str, Any] = TEMPLATE["Globals"]["Function"]

FUNCTIONS = {
    "IngestFunction": "ingest.handler",
    "AggregateFunction": "aggregate.handler",
    "GetPointsFunction": "get_points.handler",
    "NotifyFunction": "notify.handler",
    "RedemptionsFunction": "redemptions.handler",
}
# Functions behind the Cognito-authorised API: they decide who may act on which customer.
API_FUNCTIONS = {"GetPointsFunction", "RedemptionsFunction"}

# What each function may do, exactly; nothing else is granted.
EXPECTED_ACTIONS = {
    "IngestFunction": {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    },
    "AggregateFunction": {
        "dynamodb:BatchGetItem",
        # Each statement of a BatchExecuteStatement is authorized as its verb.
        "dynamodb:PartiQLInsert",
        "dynamodb:PartiQLUpdate",
        "dynamodb:PutItem",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "sqs:SendMessage",
    },
    "GetPointsFunction": {"dynamodb:GetItem"},
    # Each Put of a TransactWriteItems is authorized as dynamodb:PutItem.
    "RedemptionsFunction": {"dynamodb:BatchGetItem", "dynamodb:PutItem"},
    "NotifyFunction": {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "sns:Publish",
        "sqs:SendMessage",
    },
}
COMMON_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ssm:GetParameter",
}
# One statement per function grants its item actions, on the partition key prefixes it uses.
TABLE_ITEM_ACTIONS = {
    "IngestFunction": ({"dynamodb:PutItem", "dynamodb:UpdateItem"}, [f"{TRANSACTION_PREFIX}*"]),
    "AggregateFunction": (
        {
            "dynamodb:BatchGetItem",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
            "dynamodb:PutItem",
        },
        [f"{AGGREGATE_PREFIX}*"],
    ),
    "GetPointsFunction": ({"dynamodb:GetItem"}, [f"{AGGREGATE_PREFIX}*"]),
    # A redemption's REDEEM# item lives under the customer's TXN#; its aggregate under AGG#.
    "RedemptionsFunction": (
        {"dynamodb:BatchGetItem", "dynamodb:PutItem"},
        [f"{TRANSACTION_PREFIX}*", f"{AGGREGATE_PREFIX}*"],
    ),
}
# Actions that IAM only grants on "*" (they have no resource type).
RESOURCELESS_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "dynamodb:ListStreams",
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_of(function: str) -> dict[str, Any]:
    role = RESOURCES[function]["Properties"]["Role"]
    assert role == get_att(f"{function}Role", "Arn")
    return RESOURCES[f"{function}Role"]


def statements(function: str) -> list[dict[str, Any]]:
    """Every statement the role can hold, under any condition (both branches of an Fn::If)."""
    found: list[dict[str, Any]] = []
    for policy in role_of(function)["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in statement:
                _, *branches = statement["Fn::If"]
                found.extend(b for b in branches if b != ref("AWS::NoValue"))
            else:
                found.append(statement)
    return found


def granted_actions(function: str) -> set[str]:
    return {action for s in statements(function) for action in as_list(s["Action"])}


def function_property(function: str, name: str) -> Any:
    return RESOURCES[function]["Properties"].get(name, GLOBAL_FUNCTION.get(name))


def environment(function: str) -> dict[str, Any]:
    return {
        **GLOBAL_FUNCTION["Environment"]["Variables"],
        **RESOURCES[function]["Properties"].get("Environment", {}).get("Variables", {}),
    }


def event(function: str, name: str) -> dict[str, Any]:
    return RESOURCES[function]["Properties"]["Events"][name]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_runs_its_handler_from_the_entrypoints_on_python_3_12(function: str) -> None:
    assert function_property(function, "Handler") == FUNCTIONS[function]
    assert function_property(function, "CodeUri") == "lambda_entrypoints/"
    assert function_property(function, "Runtime") == "python3.12"
    assert function_property(function, "Architectures") == [ref("Architecture")]
    assert TEMPLATE["Parameters"]["Architecture"]["AllowedValues"] == ["x86_64", "arm64"]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_handler_exists_in_the_entrypoints(function: str) -> None:
    module, attribute = FUNCTIONS[function].split(".")
    source = Path(__file__).resolve().parents[2] / "lambda_entrypoints" / f"{module}.py"
    assert f"def {attribute}(" in source.read_text(encoding="utf-8")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_has_its_own_role_and_no_sam_generated_policies(function: str) -> None:
    role = role_of(function)
    assert role["Type"] == "AWS::IAM::Role"
    assert "ManagedPolicyArns" not in role["Properties"]
    assert "Policies" not in RESOURCES[function]["Properties"]
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "lambda.amazonaws.com"}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_role_grants_exactly_what_its_function_uses(function: str) -> None:
    assert granted_actions(function) == EXPECTED_ACTIONS[function] | COMMON_ACTIONS


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_role_grants_wildcard_actions(function: str) -> None:
    for action in granted_actions(function):
        assert "*" not in action, action
    for statement in statements(function):
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement
        assert "NotResource" not in statement


@pytest.mark.parametrize("function", FUNCTIONS)
def test_data_actions_are_never_granted_on_every_resource(function: str) -> None:
    for statement in statements(function):
        actions = set(as_list(statement["Action"]))
        if actions <= RESOURCELESS_ACTIONS:
            continue
        for resource in as_list(statement["Resource"]):
            assert resource != "*", statement
            assert not (isinstance(resource, str) and resource.endswith(":*")), statement


@pytest.mark.parametrize("function", TABLE_ITEM_ACTIONS)
def test_table_item_access_is_scoped_to_the_functions_key_prefix(function: str) -> None:
    expected_actions, prefixes = TABLE_ITEM_ACTIONS[function]
    on_table = [s for s in statements(function) if s["Resource"] == get_att("LedgerTable", "Arn")]
    assert len(on_table) == 1
    (statement,) = on_table
    assert set(as_list(statement["Action"])) == expected_actions
    assert statement["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": prefixes}}


def test_the_aggregate_reads_only_the_ledger_stream_and_sends_only_to_its_failure_queue() -> None:
    by_sid = {s["Sid"]: s for s in statements("AggregateFunction")}
    assert by_sid["ReadLedgerStream"]["Resource"] == get_att("LedgerTable", "StreamArn")
    # ListStreams has no resource type: "*" is the only resource that grants it.
    assert by_sid["ListLedgerStreams"] == {
        "Sid": "ListLedgerStreams",
        "Effect": "Allow",
        "Action": "dynamodb:ListStreams",
        "Resource": "*",
    }
    assert by_sid["SendToFailureDestination"]["Action"] == "sqs:SendMessage"
    assert by_sid["SendToFailureDestination"]["Resource"] == get_att("AggregateFailureQueue", "Arn")


def test_the_notifier_reads_only_the_stream_and_publishes_only_to_the_events_topic() -> None:
    by_sid = {s["Sid"]: s for s in statements("NotifyFunction")}
    assert not [
        s for s in statements("NotifyFunction") if s["Resource"] == get_att("LedgerTable", "Arn")
    ]
    assert by_sid["ReadLedgerStream"]["Resource"] == get_att("LedgerTable", "StreamArn")
    assert by_sid["PublishEvents"] == {
        "Sid": "PublishEvents",
        "Effect": "Allow",
        "Action": "sns:Publish",
        "Resource": ref("EventsTopic"),
    }
    assert by_sid["SendToFailureDestination"]["Resource"] == get_att("NotifyFailureQueue", "Arn")
    assert environment("NotifyFunction")["LOYALTY_EVENTS_TOPIC_ARN"] == ref("EventsTopic")


def test_only_aggregate_writes_invoke_the_notifier_with_partial_failures_and_bisection() -> None:
    mapping = event("NotifyFunction", "AggregateStream")
    assert mapping["Type"] == "DynamoDB"
    properties = mapping["Properties"]
    assert properties["Stream"] == get_att("LedgerTable", "StreamArn")
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert 0 < properties["MaximumRetryAttempts"] <= 10
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": get_att("NotifyFailureQueue", "Arn")}
    }
    (pattern,) = [json.loads(f["Pattern"]) for f in properties["FilterCriteria"]["Filters"]]
    assert pattern == {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": AGGREGATE_PREFIX}]}}}}


def test_ingest_consumes_only_its_own_queue() -> None:
    by_sid = {s["Sid"]: s for s in statements("IngestFunction")}
    assert by_sid["ConsumeIngestQueue"]["Resource"] == get_att("IngestQueue", "Arn")


@pytest.mark.parametrize(
    ("function", "log_group"),
    [
        ("IngestFunction", "IngestLogGroup"),
        ("AggregateFunction", "AggregateLogGroup"),
        ("GetPointsFunction", "GetPointsLogGroup"),
        ("NotifyFunction", "NotifyLogGroup"),
        ("RedemptionsFunction", "RedemptionsLogGroup"),
    ],
)
def test_each_function_writes_only_to_its_own_log_group(function: str, log_group: str) -> None:
    assert RESOURCES[function]["Properties"]["LoggingConfig"] == {"LogGroup": ref(log_group)}
    (logs,) = [s for s in statements(function) if s["Sid"] == "WriteOwnLogs"]
    assert logs["Resource"] == get_att(log_group, "Arn")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_stage_config_parameter_is_readable_only_when_configured(function: str) -> None:
    (conditional,) = [
        s["Fn::If"]
        for p in role_of(function)["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
        if "Fn::If" in s
    ]
    condition, statement, otherwise = conditional
    assert condition == "HasConfigParameter"
    assert otherwise == ref("AWS::NoValue")
    assert statement["Action"] == "ssm:GetParameter"
    assert "${ConfigParameterName}" in statement["Resource"]["Fn::Sub"]


def test_the_ingest_queue_outlives_six_function_timeouts_plus_the_batching_window() -> None:
    timeout = function_property("IngestFunction", "Timeout")
    window = event("IngestFunction", "BookingQueue")["Properties"]["MaximumBatchingWindowInSeconds"]
    visibility = RESOURCES["IngestQueue"]["Properties"]["VisibilityTimeout"]
    assert visibility >= 6 * timeout + window


@pytest.mark.parametrize("queue", ["IngestDeadLetterQueue", "AggregateFailureQueue"])
def test_the_queues_of_unprocessed_work_survive_stack_deletion_and_replacement(queue: str) -> None:
    assert RESOURCES[queue]["DeletionPolicy"] == "Retain"
    assert RESOURCES[queue]["UpdateReplacePolicy"] == "Retain"


def test_undeliverable_bookings_end_in_the_dead_letter_queue() -> None:
    redrive = RESOURCES["IngestQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == get_att("IngestDeadLetterQueue", "Arn")
    assert 1 < redrive["maxReceiveCount"] <= 10
    dlq = RESOURCES["IngestDeadLetterQueue"]["Properties"]
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_the_sqs_mapping_reports_partial_failures_and_batches() -> None:
    mapping = event("IngestFunction", "BookingQueue")
    assert mapping["Type"] == "SQS"
    properties = mapping["Properties"]
    assert properties["Queue"] == get_att("IngestQueue", "Arn")
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["MaximumBatchingWindowInSeconds"] > 0
    assert 1 < properties["BatchSize"] <= 100


def test_the_stream_mapping_bisects_retries_boundedly_and_parks_failures() -> None:
    mapping = event("AggregateFunction", "LedgerStream")
    assert mapping["Type"] == "DynamoDB"
    properties = mapping["Properties"]
    assert properties["Stream"] == get_att("LedgerTable", "StreamArn")
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert 0 <= properties["MaximumRetryAttempts"] <= 20
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": get_att("AggregateFailureQueue", "Arn")}
    }


def test_only_booking_transaction_records_invoke_the_aggregate_function() -> None:
    filters = event("AggregateFunction", "LedgerStream")["Properties"]["FilterCriteria"]["Filters"]
    assert [json.loads(f["Pattern"]) for f in filters] == [
        {
            "dynamodb": {
                "Keys": {
                    "pk": {"S": [{"prefix": TRANSACTION_PREFIX}]},
                    "sk": {"S": [{"prefix": BOOKING_PREFIX}]},
                }
            }
        }
    ]


def test_the_table_matches_the_storage_contract() -> None:
    table = RESOURCES["LedgerTable"]
    properties = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_the_queue_subscribes_raw_to_every_booking_message_and_filters_none() -> None:
    subscription = RESOURCES["BookingSubscription"]["Properties"]
    assert subscription["TopicArn"] == ref("BookingTopicArn")
    assert subscription["Endpoint"] == get_att("IngestQueue", "Arn")
    assert subscription["RawMessageDelivery"] is True
    # Ingest judges every status (decision 0006): a filter would drop what it cannot match.
    assert "FilterPolicy" not in subscription
    assert "FilterPolicyScope" not in subscription
    statement = RESOURCES["IngestQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": ref("BookingTopicArn")}}


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("Reserve", "/loyalty/{customerId}/redemptions"),
        ("Commit", "/loyalty/{customerId}/redemptions/{redemptionId}/commit"),
        ("Cancel", "/loyalty/{customerId}/redemptions/{redemptionId}/cancel"),
    ],
)
def test_the_redemption_routes_are_posts_on_the_cognito_authorised_api(
    name: str, path: str
) -> None:
    assert event("RedemptionsFunction", name) == {
        "Type": "Api",
        "Properties": {"RestApiId": ref("LoyaltyApi"), "Path": path, "Method": "POST"},
    }
    assert set(RESOURCES["RedemptionsFunction"]["Properties"]["Events"]) == {
        "Reserve",
        "Commit",
        "Cancel",
    }


def test_the_hold_timeout_is_a_parameter_of_fifteen_minutes_by_default() -> None:
    assert TEMPLATE["Parameters"]["HoldTimeoutSeconds"]["Default"] == 900
    variables = environment("RedemptionsFunction")
    assert variables["LOYALTY_HOLD_TIMEOUT_SECONDS"] == ref("HoldTimeoutSeconds")


def test_the_read_api_requires_a_cognito_identity() -> None:
    auth = RESOURCES["LoyaltyApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "CognitoAuthorizer"
    assert auth["Authorizers"]["CognitoAuthorizer"] == {"UserPoolArn": ref("CognitoUserPoolArn")}
    api_event = event("GetPointsFunction", "GetPoints")
    assert api_event["Properties"] == {
        "RestApiId": ref("LoyaltyApi"),
        "Path": "/loyalty/{customerId}",
        "Method": "GET",
    }


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_is_configured_through_its_environment(function: str) -> None:
    variables = environment(function)
    assert variables["LOYALTY_TABLE_NAME"] == ref("LedgerTable")
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == ref("MetricsNamespace")
    assert variables["LOG_LEVEL"] == ref("LogLevel")
    assert variables["LOYALTY_FAKE_TTL_SECONDS"] == ref("FakeTtlSeconds")
    assert variables["LOYALTY_CONFIG_PARAMETER"] == ref("ConfigParameterName")
    assert variables["POWERTOOLS_SERVICE_NAME"].startswith("loyalty-")
    assert ("LOYALTY_ADMIN_GROUP" in variables) == (function in API_FUNCTIONS)
    assert ("LOYALTY_HOLD_TIMEOUT_SECONDS" in variables) == (function == "RedemptionsFunction")
    assert ("LOYALTY_EVENTS_TOPIC_ARN" in variables) == (function == "NotifyFunction")


def resolve_with_defaults(value: Any) -> str:
    """An environment value as CloudFormation would set it with every parameter at its default."""
    if isinstance(value, str):
        return value
    name = value["Ref"]
    if name == "LedgerTable":
        return "loyalty-LedgerTable-1A2B3C"
    if name == "EventsTopic":
        return "arn:aws:sns:eu-west-1:123456789012:loyalty-EventsTopic-1A2B3C"
    return str(TEMPLATE["Parameters"][name]["Default"])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_template_defaults_are_a_valid_configuration(function: str) -> None:
    def no_fetch(name: str) -> str:
        raise AssertionError(f"fetched {name} though no config parameter is set")

    variables = {name: resolve_with_defaults(v) for name, v in environment(function).items()}
    settings = Settings.from_environ(variables, fetch_parameter=no_fetch)
    assert settings.table_name == "loyalty-LedgerTable-1A2B3C"
    assert settings.policy.tiers == DEFAULT_TIER_POLICY
    assert settings.policy.expiry.fake.total_seconds() == 86_400
    assert settings.metrics_namespace == "Loyalty"
    expected_admin = "loyalty-admins" if function in API_FUNCTIONS else None
    assert settings.admin_group == expected_admin
    assert settings.hold_timeout.total_seconds() == 900


def test_the_functions_use_the_layer_built_for_their_architecture() -> None:
    assert GLOBAL_FUNCTION["Layers"] == [
        {"Fn::If": ["IsArm64", ref("LoyaltyLayerArm64"), ref("LoyaltyLayer")]}
    ]
    for name, architecture in (("LoyaltyLayer", "x86_64"), ("LoyaltyLayerArm64", "arm64")):
        properties = RESOURCES[name]["Properties"]
        assert properties["ContentUri"] == f"dist/loyalty-layer-{architecture}.zip"
        assert properties["CompatibleArchitectures"] == [architecture]
        assert properties["CompatibleRuntimes"] == ["python3.12"]


@pytest.mark.parametrize(
    ("alarm", "queue"),
    [
        ("IngestDeadLetterAlarm", "IngestDeadLetterQueue"),
        ("AggregateFailureAlarm", "AggregateFailureQueue"),
        ("NotifyFailureAlarm", "NotifyFailureQueue"),
    ],
)
def test_a_message_in_either_failure_queue_raises_an_alarm(alarm: str, queue: str) -> None:
    properties = RESOURCES[alarm]["Properties"]
    assert properties["Namespace"] == "AWS/SQS"
    assert properties["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert properties["Dimensions"] == [{"Name": "QueueName", "Value": get_att(queue, "QueueName")}]
    assert properties["Threshold"] == 0
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"


def test_outputs_name_everything_an_operator_needs() -> None:
    assert set(TEMPLATE["Outputs"]) >= {
        "LedgerTableName",
        "LedgerStreamArn",
        "IngestQueueUrl",
        "IngestQueueArn",
        "IngestDeadLetterQueueUrl",
        "IngestDeadLetterQueueArn",
        "AggregateFailureQueueUrl",
        "AggregateFailureQueueArn",
        "LoyaltyApiUrl",
        "EventsTopicArn",
        "NotifyFailureQueueUrl",
    }


def packaged(template: dict[str, Any]) -> dict[str, Any]:
    """The template as ``sam package`` leaves it: local paths replaced by S3 URIs."""
    template = copy.deepcopy(template)
    template["Globals"]["Function"]["CodeUri"] = "s3://bucket/functions.zip"
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
    return template


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def test_the_sam_transform_accepts_the_template_and_adds_no_roles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from samtranslator.translator.transform import transform

    # The translator reads the region from a boto3 session (no request is made).
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    parameters = {
        "BookingTopicArn": "arn:aws:sns:eu-west-1:123456789012:bookings",
        "CognitoUserPoolArn": "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_x",
        "AWS::Region": "eu-west-1",
        "AWS::Partition": "aws",
    }
    output = transform(packaged(TEMPLATE), parameters, _NoManagedPolicies())
    resources = output["Resources"]
    roles = {name for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert roles == {f"{function}Role" for function in FUNCTIONS}
    mappings = {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    }
    assert (
        mappings["AggregateFunctionLedgerStream"]["FilterCriteria"]
        == (event("AggregateFunction", "LedgerStream")["Properties"]["FilterCriteria"])
    )
    assert mappings["IngestFunctionBookingQueue"]["FunctionResponseTypes"] == [
        "ReportBatchItemFailures"
    ]
    deployments = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Deployment"]
    assert len(deployments) == 1
    assert "StageName" not in deployments[0]["Properties"]  # only the StageName parameter's stage
