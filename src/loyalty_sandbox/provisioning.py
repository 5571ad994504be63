"""Create the service's resources on the emulator, as ``template.yaml`` declares them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.literals import KeyTypeType, ScalarAttributeTypeType
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

    from loyalty_sandbox.template import TemplateSettings

__all__ = ["Resources", "provision"]


@dataclass(frozen=True, slots=True)
class Resources:
    """Names, URLs and ARNs of what the sandbox provisioned."""

    table_name: str
    stream_arn: str
    topic_arn: str
    ingest_queue_url: str
    ingest_queue_arn: str
    dead_letter_queue_url: str
    dead_letter_queue_arn: str
    failure_queue_url: str
    failure_queue_arn: str
    subscription_arn: str
    events_topic_arn: str
    notify_failure_queue_url: str
    events_tap_queue_url: str
    """A sandbox-only queue subscribed to the events topic, so the sandbox can show the events."""


def _queue(
    sqs: SQSClient, name: str, attributes: dict[QueueAttributeNameType, str] | None = None
) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def provision(
    *,
    dynamodb: DynamoDBClient,
    sqs: SQSClient,
    sns: SNSClient,
    settings: TemplateSettings,
    prefix: str,
    visibility_timeout: int | None = None,
) -> Resources:
    """Create table, topics, queues and subscriptions named ``{prefix}-...``.

    Parameters
    ----------
    visibility_timeout
        Overrides the ingest queue's visibility timeout (seconds) so failed messages come back
        quickly in the sandbox; ``None`` keeps the template's.
    """
    table = settings.table
    attribute_types = cast("dict[str, ScalarAttributeTypeType]", dict(table.attribute_definitions))
    key_types = cast("dict[str, KeyTypeType]", dict(table.key_schema))
    table_name = f"{prefix}-ledger"
    description = dynamodb.create_table(
        TableName=table_name,
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": kind} for name, kind in attribute_types.items()
        ],
        KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in key_types.items()],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={
            "StreamEnabled": True,
            "StreamViewType": table.stream_view_type,  # type: ignore[typeddict-item]
        },
    )["TableDescription"]
    dynamodb.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
    )

    dlq_url, dlq_arn = _queue(sqs, f"{prefix}-ingest-dlq")
    queue = settings.ingest_queue
    ingest_url, ingest_arn = _queue(
        sqs,
        f"{prefix}-ingest",
        {
            "VisibilityTimeout": str(
                queue.visibility_timeout if visibility_timeout is None else visibility_timeout
            ),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count}
            ),
        },
    )
    failure_url, failure_arn = _queue(sqs, f"{prefix}-aggregate-failures")

    topic_arn = sns.create_topic(Name=f"{prefix}-bookings")["TopicArn"]
    subscription = settings.subscription
    attributes = {"RawMessageDelivery": "true" if subscription.raw_message_delivery else "false"}
    if subscription.filter_policy is not None:
        attributes["FilterPolicy"] = json.dumps(subscription.filter_policy)
    if subscription.filter_policy_scope is not None:
        attributes["FilterPolicyScope"] = subscription.filter_policy_scope
    subscription_arn = sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=ingest_arn,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]

    events_topic_arn = sns.create_topic(Name=f"{prefix}-events")["TopicArn"]
    notify_failure_url, _ = _queue(sqs, f"{prefix}-notify-failures")
    tap_url, tap_arn = _queue(sqs, f"{prefix}-events-tap")
    sns.subscribe(TopicArn=events_topic_arn, Protocol="sqs", Endpoint=tap_arn)

    return Resources(
        table_name=table_name,
        stream_arn=description["LatestStreamArn"],
        topic_arn=topic_arn,
        ingest_queue_url=ingest_url,
        ingest_queue_arn=ingest_arn,
        dead_letter_queue_url=dlq_url,
        dead_letter_queue_arn=dlq_arn,
        failure_queue_url=failure_url,
        failure_queue_arn=failure_arn,
        subscription_arn=subscription_arn,
        events_topic_arn=events_topic_arn,
        notify_failure_queue_url=notify_failure_url,
        events_tap_queue_url=tap_url,
    )
