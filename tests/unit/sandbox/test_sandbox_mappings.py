"""The sandbox's event source mapping rules, without an emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from loyalty.inbound.batch_response import failed_identifiers
from loyalty.inbound.sqs import lambda_sqs_record
from loyalty.inbound.streams import TTL_USER_IDENTITY
from loyalty_sandbox import read_template_settings
from loyalty_sandbox.filters import EventFilter, UnsupportedPatternError
from loyalty_sandbox.stream_poller import first_failure_index, lambda_stream_record
from loyalty_sandbox.template import TemplateError, load_template

STREAM_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/2026"


def stream_record(
    sequence: str, pk: str = "TXN#c-1", name: str = "INSERT", sk: str = "BOOKING#b-1"
) -> dict[str, Any]:
    keys = {"pk": {"S": pk}, "sk": {"S": sk}}
    return {"eventName": name, "dynamodb": {"SequenceNumber": sequence, "Keys": keys}}


def test_the_sandbox_reads_the_mappings_it_emulates_from_the_sam_template() -> None:
    settings = read_template_settings()

    assert settings.table.key_schema == (("pk", "HASH"), ("sk", "RANGE"))
    assert settings.table.stream_view_type == "NEW_AND_OLD_IMAGES"
    assert settings.table.ttl_attribute == "expires_at"
    assert settings.ingest_queue.max_receive_count >= 1
    assert settings.ingest_queue.visibility_timeout >= 6 * settings.ingest_mapping.function_timeout
    assert settings.subscription.raw_message_delivery
    assert settings.ingest_mapping.report_batch_item_failures
    stream = settings.stream_mapping
    assert stream.report_batch_item_failures
    assert stream.bisect_on_function_error
    assert stream.maximum_retry_attempts >= 0
    assert EventFilter(stream.filter_patterns)(stream_record("1"))
    assert not EventFilter(stream.filter_patterns)(stream_record("1", pk="AGG#c-1", sk="AGG"))
    assert not EventFilter(stream.filter_patterns)(stream_record("1", sk="REDEEM#r-1"))


def test_a_template_without_the_ingest_queue_is_refused_naming_the_resource() -> None:
    template = load_template()
    del template["Resources"]["IngestQueue"]

    with pytest.raises(TemplateError, match="IngestQueue"):
        read_template_settings(template)


def test_a_setting_the_sandbox_cannot_evaluate_locally_is_refused_naming_it() -> None:
    template = load_template()
    queue = template["Resources"]["IngestQueue"]["Properties"]
    queue["VisibilityTimeout"] = {"Fn::GetAtt": ["SomeStack", "Outputs.Timeout"]}
    with pytest.raises(TemplateError, match="cannot evaluate Fn::GetAtt"):
        read_template_settings(template)


def test_a_ref_to_a_parameter_evaluates_to_its_default() -> None:
    template = load_template()
    template["Parameters"]["IngestVisibility"] = {"Type": "Number", "Default": 77}
    template["Resources"]["IngestQueue"]["Properties"]["VisibilityTimeout"] = {
        "Ref": "IngestVisibility"
    }
    assert read_template_settings(template).ingest_queue.visibility_timeout == 77


def test_the_stream_checkpoint_is_the_lowest_reported_failure_and_bad_identifiers_fail_all() -> (
    None
):
    batch = [stream_record(str(n)) for n in (10, 11, 12, 13)]

    assert first_failure_index({"batchItemFailures": []}, batch) is None
    assert first_failure_index(None, batch) is None
    assert (
        first_failure_index(
            {"batchItemFailures": [{"itemIdentifier": "13"}, {"itemIdentifier": "11"}]}, batch
        )
        == 1
    )
    assert first_failure_index({"batchItemFailures": [{"itemIdentifier": ""}]}, batch) == 0
    assert first_failure_index({"batchItemFailures": [{"itemIdentifier": "99"}]}, batch) == 0
    assert first_failure_index({"batchItemFailures": [{"id": "11"}]}, batch) == 0


def test_sqs_failures_are_the_reported_ids_and_an_unknown_id_fails_the_whole_batch() -> None:
    ids = ["a", "b", "c"]

    assert failed_identifiers({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids) == {"b"}
    assert failed_identifiers({}, ids) == set()
    assert failed_identifiers({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, ids) == set(ids)


def test_filters_support_prefix_exists_and_values_and_refuse_what_they_cannot_evaluate() -> None:
    record = {"dynamodb": {"Keys": {"pk": {"S": "TXN#1"}}}, "eventName": "REMOVE"}

    assert EventFilter([{"eventName": ["INSERT", "REMOVE"]}])(record)
    assert not EventFilter([{"eventName": ["INSERT"]}])(record)
    assert EventFilter([{"userIdentity": [{"exists": False}]}])(record)
    assert EventFilter(
        [{"eventName": ["INSERT"]}, {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "TXN#"}]}}}}]
    )(record)
    with pytest.raises(UnsupportedPatternError, match="numeric"):
        EventFilter([{"dynamodb": {"SizeBytes": [{"numeric": [">", 0]}]}}])


def test_stream_records_take_lambdas_shape_with_the_ttl_identity_when_the_sweeper_deleted_them() -> (
    None
):
    created = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    record: Any = {
        "eventID": "e-1",
        "eventName": "REMOVE",
        "eventVersion": "1.1",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": created,
            "Keys": {"pk": {"S": "TXN#c"}, "sk": {"S": "BOOKING#b"}},
            "OldImage": {"blob": {"B": b"\x00\x01"}},
            "SequenceNumber": "42",
        },
    }

    converted = lambda_stream_record(
        record, stream_arn=STREAM_ARN, region="eu-west-1", ttl_removal=True
    )

    assert converted["awsRegion"] == "eu-west-1"
    assert converted["eventSource"] == "aws:dynamodb"
    assert converted["eventSourceARN"] == STREAM_ARN
    assert converted["userIdentity"] == TTL_USER_IDENTITY
    assert converted["dynamodb"]["ApproximateCreationDateTime"] == int(created.timestamp())
    assert converted["dynamodb"]["OldImage"] == {"blob": {"B": "AAE="}}
    assert "userIdentity" not in lambda_stream_record(record, stream_arn=STREAM_ARN, region="x")


def test_sqs_records_take_lambdas_shape() -> None:
    message: Any = {
        "MessageId": "m-1",
        "ReceiptHandle": "h-1",
        "Body": "{}",
        "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "Attributes": {"ApproximateReceiveCount": "2"},
        "MessageAttributes": {"Booking.Status": {"DataType": "String", "StringValue": "confirmed"}},
    }

    record = lambda_sqs_record(message, queue_arn="arn:aws:sqs:eu-west-1:1:q", region="eu-west-1")

    assert record["messageId"] == "m-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"]["Booking.Status"] == {
        "stringValue": "confirmed",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["eventSource"] == "aws:sqs"
