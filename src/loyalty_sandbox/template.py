"""Read the service's settings from ``template.yaml`` so the sandbox and the SAM template agree.

The sandbox provisions and polls exactly what the template declares (key schema, stream, TTL,
visibility timeout, redrive, batch sizes, retries, filters); nothing here restates those values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from loyalty_sandbox.packaged import packaged_file

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

__all__ = [
    "CloudFormationLoader",
    "QueueSettings",
    "SqsMappingSettings",
    "StreamMappingSettings",
    "SubscriptionSettings",
    "TableSettings",
    "TemplateError",
    "TemplateSettings",
    "load_template",
    "read_template_settings",
    "template_path",
]

TABLE = "LedgerTable"
INGEST_QUEUE = "IngestQueue"
INGEST_DLQ = "IngestDeadLetterQueue"
FAILURE_QUEUE = "AggregateFailureQueue"
SUBSCRIPTION = "BookingSubscription"
INGEST_FUNCTION = "IngestFunction"
INGEST_EVENT = "BookingQueue"
AGGREGATE_FUNCTION = "AggregateFunction"
AGGREGATE_EVENT = "LedgerStream"
EVENTS_TOPIC = "EventsTopic"
NOTIFY_FUNCTION = "NotifyFunction"
NOTIFY_EVENT = "AggregateStream"
NOTIFY_FAILURE_QUEUE = "NotifyFailureQueue"

# Lambda's own defaults, for properties a template may leave out.
_DEFAULT_FUNCTION_TIMEOUT = 3
_DEFAULT_SQS_BATCH_SIZE = 10
_DEFAULT_STREAM_BATCH_SIZE = 100
_DEFAULT_QUEUE_VISIBILITY = 30


class TemplateError(ValueError):
    """The template lacks a resource or property the sandbox needs; the message names it."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


class CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that turns short-form tags into CloudFormation's long (JSON) form.

    ``!Ref x`` becomes ``{"Ref": x}``, ``!GetAtt a.b`` ``{"Fn::GetAtt": ["a", "b"]}`` and any
    other ``!Name v`` ``{"Fn::Name": v}``: the form the SAM translator and CloudFormation read.
    """


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    name = next(iter(value))
    return name in ("Ref", "Condition") or str(name).startswith("Fn::")


def template_path() -> Path:
    """Locate ``template.yaml``: packaged in the wheel, or at the repository root when editable."""
    try:
        return packaged_file("template.yaml")
    except FileNotFoundError as error:
        raise TemplateError(str(error)) from None


def load_template(path: Path | None = None) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template, intrinsic functions in their long (JSON) form."""
    text = (path or template_path()).read_text(encoding="utf-8")
    document = yaml.load(text, Loader=CloudFormationLoader)
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError("template has no Resources section")
    return document


@dataclass(frozen=True, slots=True)
class TableSettings:
    """The ledger table: key schema, stream view and TTL attribute."""

    attribute_definitions: tuple[tuple[str, str], ...]
    key_schema: tuple[tuple[str, str], ...]
    stream_view_type: str
    ttl_attribute: str


@dataclass(frozen=True, slots=True)
class QueueSettings:
    """The ingest queue's visibility timeout and redrive policy."""

    visibility_timeout: int
    max_receive_count: int


@dataclass(frozen=True, slots=True)
class SubscriptionSettings:
    """The topic → queue subscription."""

    raw_message_delivery: bool
    filter_policy: dict[str, Any] | None
    filter_policy_scope: str | None


@dataclass(frozen=True, slots=True)
class SqsMappingSettings:
    """The SQS event source mapping of the ingest function."""

    batch_size: int
    batching_window_seconds: float
    report_batch_item_failures: bool
    function_timeout: int


@dataclass(frozen=True, slots=True)
class StreamMappingSettings:
    """The DynamoDB stream event source mapping of the aggregate function."""

    batch_size: int
    batching_window_seconds: float
    starting_position: str
    maximum_retry_attempts: int
    bisect_on_function_error: bool
    report_batch_item_failures: bool
    filter_patterns: tuple[dict[str, Any], ...]
    function_timeout: int


@dataclass(frozen=True, slots=True)
class TemplateSettings:
    """Everything the sandbox reads from the template."""

    table: TableSettings
    ingest_queue: QueueSettings
    subscription: SubscriptionSettings
    ingest_mapping: SqsMappingSettings
    stream_mapping: StreamMappingSettings
    notify_mapping: StreamMappingSettings


class _Reader:
    def __init__(self, template: Mapping[str, Any]) -> None:
        self.template = template
        self.resources: Mapping[str, Any] = template["Resources"]
        parameters = template.get("Parameters") or {}
        self.parameters: Mapping[str, Any] = parameters if isinstance(parameters, dict) else {}
        globals_ = (template.get("Globals") or {}).get("Function") or {}
        self.function_globals: Mapping[str, Any] = globals_

    def properties(self, logical_id: str) -> Mapping[str, Any]:
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            raise TemplateError(f"template has no resource {logical_id}")
        properties = resource.get("Properties") or {}
        if not isinstance(properties, dict):
            raise TemplateError(f"{logical_id}.Properties is not a mapping")
        return properties

    def resolve(self, value: Any, where: str) -> Any:
        """Evaluate the one intrinsic the settings may use: ``!Ref`` to a parameter's default."""
        if _is_intrinsic(value):
            ((name, argument),) = value.items()
            if name == "Ref" and isinstance(argument, str):
                parameter = self.parameters.get(argument)
                if isinstance(parameter, dict) and "Default" in parameter:
                    return parameter["Default"]
            raise TemplateError(f"{where}: cannot evaluate {name} {argument!r} locally")
        return value

    def integer(self, value: Any, where: str) -> int:
        resolved = self.resolve(value, where)
        try:
            return int(resolved)
        except (TypeError, ValueError):
            raise TemplateError(f"{where} must be an integer (got {resolved!r})") from None

    def boolean(self, value: Any, where: str) -> bool:
        resolved = self.resolve(value, where)
        if isinstance(resolved, bool):
            return resolved
        if isinstance(resolved, str) and resolved.lower() in ("true", "false"):
            return resolved.lower() == "true"
        raise TemplateError(f"{where} must be a boolean (got {resolved!r})")

    def json_document(self, value: Any, where: str) -> dict[str, Any]:
        resolved = self.resolve(value, where)
        if isinstance(resolved, str):
            try:
                resolved = json.loads(resolved)
            except ValueError as error:
                raise TemplateError(f"{where} is not valid JSON: {error}") from None
        if not isinstance(resolved, dict):
            raise TemplateError(f"{where} must be a mapping (got {resolved!r})")
        return resolved

    def function_timeout(self, logical_id: str) -> int:
        properties = self.properties(logical_id)
        timeout = properties.get("Timeout", self.function_globals.get("Timeout"))
        if timeout is None:
            return _DEFAULT_FUNCTION_TIMEOUT
        return self.integer(timeout, f"{logical_id}.Timeout")

    def event(self, function_id: str, event_id: str, event_type: str) -> Mapping[str, Any]:
        events = self.properties(function_id).get("Events") or {}
        event = events.get(event_id) if isinstance(events, dict) else None
        if not isinstance(event, dict) or event.get("Type") != event_type:
            raise TemplateError(f"{function_id} has no {event_type} event {event_id}")
        properties = event.get("Properties") or {}
        return properties if isinstance(properties, dict) else {}

    def table(self) -> TableSettings:
        properties = self.properties(TABLE)
        stream = properties.get("StreamSpecification") or {}
        ttl = properties.get("TimeToLiveSpecification") or {}
        if not stream.get("StreamViewType"):
            raise TemplateError(f"{TABLE}.StreamSpecification.StreamViewType is not set")
        if not ttl.get("AttributeName") or not self.boolean(
            ttl.get("Enabled", False), f"{TABLE}.TimeToLiveSpecification.Enabled"
        ):
            raise TemplateError(f"{TABLE}.TimeToLiveSpecification is not enabled")
        return TableSettings(
            attribute_definitions=tuple(
                (str(item["AttributeName"]), str(item["AttributeType"]))
                for item in properties.get("AttributeDefinitions") or ()
            ),
            key_schema=tuple(
                (str(item["AttributeName"]), str(item["KeyType"]))
                for item in properties.get("KeySchema") or ()
            ),
            stream_view_type=str(stream["StreamViewType"]),
            ttl_attribute=str(ttl["AttributeName"]),
        )

    def ingest_queue(self) -> QueueSettings:
        properties = self.properties(INGEST_QUEUE)
        redrive = self.json_document(
            properties.get("RedrivePolicy"), f"{INGEST_QUEUE}.RedrivePolicy"
        )
        if "maxReceiveCount" not in redrive:
            raise TemplateError(f"{INGEST_QUEUE}.RedrivePolicy has no maxReceiveCount")
        self.properties(INGEST_DLQ)
        return QueueSettings(
            visibility_timeout=self.integer(
                properties.get("VisibilityTimeout", _DEFAULT_QUEUE_VISIBILITY),
                f"{INGEST_QUEUE}.VisibilityTimeout",
            ),
            max_receive_count=self.integer(
                redrive["maxReceiveCount"], f"{INGEST_QUEUE}.RedrivePolicy.maxReceiveCount"
            ),
        )

    def subscription(self) -> SubscriptionSettings:
        properties = self.properties(SUBSCRIPTION)
        policy = properties.get("FilterPolicy")
        scope = properties.get("FilterPolicyScope")
        return SubscriptionSettings(
            raw_message_delivery=self.boolean(
                properties.get("RawMessageDelivery", False), f"{SUBSCRIPTION}.RawMessageDelivery"
            ),
            filter_policy=(
                None
                if policy is None
                else self.json_document(policy, f"{SUBSCRIPTION}.FilterPolicy")
            ),
            filter_policy_scope=None if scope is None else str(self.resolve(scope, "scope")),
        )

    def ingest_mapping(self) -> SqsMappingSettings:
        where = f"{INGEST_FUNCTION}.Events.{INGEST_EVENT}"
        event = self.event(INGEST_FUNCTION, INGEST_EVENT, "SQS")
        return SqsMappingSettings(
            batch_size=self.integer(
                event.get("BatchSize", _DEFAULT_SQS_BATCH_SIZE), f"{where}.BatchSize"
            ),
            batching_window_seconds=float(
                self.integer(
                    event.get("MaximumBatchingWindowInSeconds", 0),
                    f"{where}.MaximumBatchingWindowInSeconds",
                )
            ),
            report_batch_item_failures="ReportBatchItemFailures"
            in (event.get("FunctionResponseTypes") or ()),
            function_timeout=self.function_timeout(INGEST_FUNCTION),
        )

    def stream_mapping(
        self, function_id: str, event_id: str, failure_queue: str
    ) -> StreamMappingSettings:
        where = f"{function_id}.Events.{event_id}"
        event = self.event(function_id, event_id, "DynamoDB")
        filters = (event.get("FilterCriteria") or {}).get("Filters") or ()
        patterns = tuple(
            self.json_document(item.get("Pattern"), f"{where}.FilterCriteria.Filters[{index}]")
            for index, item in enumerate(filters)
        )
        self.properties(failure_queue)
        return StreamMappingSettings(
            batch_size=self.integer(
                event.get("BatchSize", _DEFAULT_STREAM_BATCH_SIZE), f"{where}.BatchSize"
            ),
            batching_window_seconds=float(
                self.integer(
                    event.get("MaximumBatchingWindowInSeconds", 0),
                    f"{where}.MaximumBatchingWindowInSeconds",
                )
            ),
            starting_position=str(event.get("StartingPosition", "TRIM_HORIZON")),
            # Lambda's default (-1) retries until the record expires; bounded here by design.
            maximum_retry_attempts=self.integer(
                event.get("MaximumRetryAttempts", -1), f"{where}.MaximumRetryAttempts"
            ),
            bisect_on_function_error=self.boolean(
                event.get("BisectBatchOnFunctionError", False),
                f"{where}.BisectBatchOnFunctionError",
            ),
            report_batch_item_failures="ReportBatchItemFailures"
            in (event.get("FunctionResponseTypes") or ()),
            filter_patterns=patterns,
            function_timeout=self.function_timeout(function_id),
        )


def read_template_settings(template: Mapping[str, Any] | None = None) -> TemplateSettings:
    """Extract the sandbox's settings from the template (default: the packaged ``template.yaml``).

    Raises
    ------
    TemplateError
        Naming the resource or property that is missing or cannot be evaluated locally.
    """
    reader = _Reader(template if template is not None else load_template())
    return TemplateSettings(
        table=reader.table(),
        ingest_queue=reader.ingest_queue(),
        subscription=reader.subscription(),
        ingest_mapping=reader.ingest_mapping(),
        stream_mapping=reader.stream_mapping(AGGREGATE_FUNCTION, AGGREGATE_EVENT, FAILURE_QUEUE),
        notify_mapping=reader.stream_mapping(NOTIFY_FUNCTION, NOTIFY_EVENT, NOTIFY_FAILURE_QUEUE),
    )
