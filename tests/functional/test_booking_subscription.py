"""Whatever status a publisher sends reaches the ingest queue: the subscription drops nothing.

The subscription is provisioned on moto exactly as template.yaml declares it (the sandbox's
template reader and provisioning), then messages are published to the topic.
"""

from __future__ import annotations

import json

import boto3
import pytest

from loyalty import booking_event, build_sns_message
from loyalty_sandbox.provisioning import provision
from loyalty_sandbox.template import read_template_settings
from tests.support.aws import REGION

STATUSES = ["confirmed", "cancelled", "Cancelled", "CANCELLED", " cancelled", "refunded", ""]


@pytest.mark.parametrize("status", STATUSES)
def test_every_booking_status_a_publisher_sends_reaches_the_ingest_queue(status: str) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    resources = provision(
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        sqs=sqs,
        sns=sns,
        settings=read_template_settings(),
        prefix="subscription-test",
    )
    message = build_sns_message(booking_event("c-1", "b-1", amount=100))
    message["MessageAttributes"]["Booking.Status"] = {"DataType": "String", "StringValue": status}
    if not status:
        del message["MessageAttributes"]["Booking.Status"]
    sns.publish(TopicArn=resources.topic_arn, **message)
    received = sqs.receive_message(
        QueueUrl=resources.ingest_queue_url, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])
    assert len(received) == 1, f"status {status!r} was dropped before ingest"
    assert json.loads(received[0]["Body"])["customerId"] == "c-1"
