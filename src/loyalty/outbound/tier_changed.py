"""``TierChanged`` on the wire: the SNS message the notifier publishes and subscribers read.

The body is JSON with camel-case fields; the message attributes ``eventType`` and ``tier`` (the
new tier) let subscribers filter with SNS filter policies, e.g. ``{"tier": ["GOLD"]}``. The JSON
Schema comes from the same definition (:func:`tier_changed_json_schema`).
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any, Final, Literal

# pydantic reads TypedDicts from typing_extensions only, before Python 3.12.
from typing_extensions import TypedDict

from loyalty.domain.events import TierChanged
from loyalty.domain.tiers import Tier
from loyalty.errors import InvalidEventMessage

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef
    from pydantic import TypeAdapter

__all__ = [
    "EVENT_TYPE_ATTRIBUTE",
    "TIER_ATTRIBUTE",
    "TIER_CHANGED",
    "SnsTierChangedPublisher",
    "TierChangedBody",
    "parse_tier_changed",
    "tier_changed_body",
    "tier_changed_json_schema",
]

TIER_CHANGED: Final = "TierChanged"
EVENT_TYPE_ATTRIBUTE = "eventType"
TIER_ATTRIBUTE = "tier"

# "from" is a keyword, hence the functional form.
TierChangedBody = TypedDict(
    "TierChangedBody",
    {
        "eventType": Literal["TierChanged"],
        "eventId": str,
        "customerId": str,
        "from": Tier,
        "to": Tier,
        "qualifyingPoints": int,
        "occurredAt": str,
    },
)
"""The JSON body of a ``TierChanged`` message."""


def tier_changed_body(event: TierChanged) -> TierChangedBody:
    """The message body of ``event``."""
    return {
        "eventType": TIER_CHANGED,
        "eventId": event.event_id,
        "customerId": event.customer_id,
        "from": event.from_tier,
        "to": event.to_tier,
        "qualifyingPoints": event.qualifying_points,
        "occurredAt": event.occurred_at,
    }


class SnsTierChangedPublisher:
    """Publishes ``TierChanged`` events to one SNS topic, one ``Publish`` request each.

    Parameters
    ----------
    client
        An SNS client (thread-safe; one per process).
    topic_arn
        The events topic (``LOYALTY_EVENTS_TOPIC_ARN``).
    """

    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def __call__(self, event: TierChanged) -> None:
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            EVENT_TYPE_ATTRIBUTE: {"DataType": "String", "StringValue": TIER_CHANGED},
            TIER_ATTRIBUTE: {"DataType": "String", "StringValue": event.to_tier.value},
        }
        self._client.publish(
            TopicArn=self._topic_arn,
            Message=json.dumps(tier_changed_body(event)),
            MessageAttributes=attributes,
        )


@cache
def _adapter() -> TypeAdapter[TierChangedBody]:
    # pydantic is loaded by subscribers and the docs only, never at the notifier's cold start.
    from pydantic import TypeAdapter

    return TypeAdapter(TierChangedBody)


def tier_changed_json_schema() -> dict[str, Any]:
    """The JSON Schema of the message body."""
    schema = _adapter().json_schema()
    schema["title"] = TIER_CHANGED
    return schema


def parse_tier_changed(message: str | bytes) -> TierChanged:
    """Read a received ``TierChanged`` message: the raw body, or an SNS notification envelope.

    Raises
    ------
    loyalty.errors.InvalidEventMessage
        Naming every field that is missing or wrong.
    """
    from pydantic import ValidationError

    try:
        document = json.loads(message)
    except ValueError as error:
        raise InvalidEventMessage.single("body", f"is not valid JSON ({error})") from None
    if isinstance(document, dict) and document.get("Type") == "Notification":
        inner = document.get("Message")
        if not isinstance(inner, str):
            raise InvalidEventMessage.single("Message", "is missing from the SNS envelope")
        return parse_tier_changed(inner)
    try:
        # Strict, in JSON mode: numbers stay numbers and tiers are their names, nothing coerced.
        body = _adapter().validate_json(message, strict=True)
    except ValidationError as error:
        raise InvalidEventMessage.of_validation(error) from None
    return TierChanged(
        event_id=body["eventId"],
        customer_id=body["customerId"],
        from_tier=Tier(body["from"]),
        to_tier=Tier(body["to"]),
        qualifying_points=body["qualifyingPoints"],
        occurred_at=body["occurredAt"],
    )
