"""Arbitrary input never escapes as an exception: what docs/bad-input.md promises, tested.

Ingest gets batches mixing valid bookings with records built from arbitrary JSON values, bodies,
SNS envelopes, attribute maps, send times and nesting: no exception escapes, every failed record is
reported by its message id with a reason that names a field, and every valid record is written.
The read API gets arbitrary API Gateway events (REST and HTTP API shapes, and anything else): the
answer is always a 200/4xx response, and no rendering of non-admin group names makes a caller
admin. The redemption routes get arbitrary events and bodies: always a documented status, a 400
names the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from loyalty import (
    CustomerAggregate,
    InMemoryLoyaltyRepository,
    Tier,
    get_points_response,
    ingest_sqs_event,
    redemption_response,
)
from loyalty.inbound.api_gateway import caller_groups
from tests.support.builders import api_event, booking_body, fixed_clock, http_api_event, sqs_record

ADMIN = "loyalty-admins"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
field_names = st.sampled_from(
    ["customerId", "booking", "payment", "status", "id", "amount", "Type", "Message"]
)
# Objects that look like a booking event but have arbitrary values where the fields are.
booking_like = st.fixed_dictionaries(
    {},
    optional={
        "customerId": json_values,
        "booking": json_values | st.fixed_dictionaries({}, optional={"id": json_values}),
        "payment": json_values | st.fixed_dictionaries({}, optional={"amount": json_values}),
        "status": json_values,
        "price": json_values,
    },
)
bodies = json_values | booking_like | st.dictionaries(field_names, json_values, max_size=4)
attribute_values = json_values | st.fixed_dictionaries(
    {},
    optional={
        "dataType": json_values | st.sampled_from(["String", "Binary", "Number"]),
        "stringValue": json_values,
        "Type": json_values | st.sampled_from(["String", "Binary"]),
        "Value": json_values,
    },
)
attribute_maps = json_values | st.dictionaries(
    st.sampled_from(["Booking.Status", "Booking.Fake", "Correlation.Id", "Other"]),
    attribute_values,
    max_size=3,
)
nesting = st.integers(min_value=1, max_value=2_000).map(lambda n: "[" * n + "]" * n)


@st.composite
def raw_body(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["json", "text", "nested", "nested-field"]))
    if kind == "json":
        return json.dumps(draw(bodies))
    if kind == "text":
        return draw(st.text(max_size=40))
    if kind == "nested":
        return draw(nesting)
    return json.dumps({**booking_body(), "booking": None})[:-1] + ', "x": ' + draw(nesting) + "}"


@st.composite
def envelope_body(draw: st.DrawFn) -> str:
    envelope: dict[str, Any] = {"Type": "Notification", "TopicArn": "arn:aws:sns:x:1:t"}
    message = draw(st.one_of(raw_body(), json_values))
    envelope["Message"] = message
    if draw(st.booleans()):
        envelope["MessageAttributes"] = draw(attribute_maps)
    if draw(st.booleans()):
        envelope["Timestamp"] = draw(json_values)
    return json.dumps(envelope)


@st.composite
def bad_record(draw: st.DrawFn, message_id: str) -> dict[str, Any]:
    record = sqs_record(None, status=None, message_id=message_id, raw_body="")
    record["body"] = draw(st.one_of(raw_body(), envelope_body(), json_values))
    if draw(st.booleans()):
        record["messageAttributes"] = draw(attribute_maps)
    if draw(st.booleans()):
        record["attributes"] = draw(
            json_values | st.fixed_dictionaries({"SentTimestamp": json_values})
        )
    return record


@st.composite
def good_record(draw: st.DrawFn, index: int) -> dict[str, Any]:
    status = draw(st.sampled_from(["confirmed", "Confirmed", " CONFIRMED ", None]))
    return sqs_record(
        booking_body(f"good-c-{index}", f"good-b-{index}", draw(st.integers(0, 10**6))),
        status=status,
        envelope=draw(st.booleans()),
        message_id=f"good-{index}",
    )


@st.composite
def batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    kinds = draw(st.lists(st.booleans(), min_size=1, max_size=6))
    records = [
        draw(good_record(n)) if good else draw(bad_record(f"bad-{n}"))
        for n, good in enumerate(kinds)
    ]
    return draw(st.permutations(records))


FIELD = re.compile(
    r"^rejected: (body|Message|MessageAttributes(\.[\w.]+)?|messageAttributes(\.[\w.]+)?"
    r"|attributes\.SentTimestamp|Timestamp|customerId|booking(\.\w+)?|payment(\.\w+)?|status): \S"
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(batches())
def test_no_batch_raises_bad_records_fail_by_id_naming_a_field_and_good_ones_are_written(
    records: list[dict[str, Any]],
) -> None:
    repository = InMemoryLoyaltyRepository()
    result = ingest_sqs_event({"Records": records}, repository, now=fixed_clock)
    for message_id, reason in result.failures.items():
        assert message_id.startswith("bad-"), (message_id, reason)
        assert FIELD.match(reason), reason
    for record in records:
        if record["messageId"].startswith("good-"):
            index = record["messageId"].removeprefix("good-")
            assert repository.get_transaction(f"good-c-{index}", f"good-b-{index}") is not None


api_events = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from(["1.0", "2.0"]) | json_values,
        "pathParameters": json_values
        | st.fixed_dictionaries({"customerId": st.sampled_from(["c-1", "c-2", "a#b", ""])}),
        "requestContext": json_values
        | st.fixed_dictionaries(
            {
                "authorizer": json_values
                | st.fixed_dictionaries(
                    {},
                    optional={
                        "claims": json_values
                        | st.fixed_dictionaries(
                            {},
                            optional={
                                "sub": json_values | st.sampled_from(["c-1", "c-2"]),
                                "cognito:groups": json_values,
                            },
                        ),
                        "jwt": json_values
                        | st.fixed_dictionaries(
                            {},
                            optional={
                                "claims": json_values
                                | st.dictionaries(
                                    st.sampled_from(["sub", "cognito:groups"]), json_values
                                )
                            },
                        ),
                    },
                )
            }
        ),
    },
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(api_events, json_values))
def test_any_api_gateway_event_gets_a_200_or_4xx_answer_never_an_exception(event: Any) -> None:
    repository = InMemoryLoyaltyRepository()
    response = get_points_response(event, repository, admin_group=ADMIN)
    assert response["statusCode"] in {200, 400, 401, 403}
    body = json.loads(response["body"])
    assert isinstance(body, dict)
    if response["statusCode"] != 200:
        assert body["message"]


# Cognito group names: no whitespace, commas and brackets allowed.
group_names = st.text(
    alphabet=st.sampled_from([*"abcs-_,[]", *ADMIN]), min_size=1, max_size=24
).filter(lambda name: name != ADMIN)


@given(st.lists(group_names, min_size=1, max_size=4))
def test_no_rendering_of_non_admin_group_names_makes_a_caller_admin(names: list[str]) -> None:
    bare = ",".join(names)
    rest = [names, f"[{', '.join(names)}]", bare]
    http = [names, f"[{' '.join(names)}]", bare]
    assert not any(ADMIN in caller_groups(claim, rest_api=True) for claim in rest)
    assert not any(ADMIN in caller_groups(claim, rest_api=False) for claim in http)
    repository = InMemoryLoyaltyRepository()
    repository.save_aggregate(CustomerAggregate("c-1", 10, Tier.BRONZE, ()), None)
    events = [api_event("c-1", sub="someone-else", groups=claim) for claim in rest] + [
        http_api_event("c-1", sub="someone-else", groups=claim) for claim in http
    ]
    for event in events:
        assert get_points_response(event, repository, admin_group=ADMIN)["statusCode"] == 403


redemption_routes = st.sampled_from(
    [
        "/loyalty/{customerId}/redemptions",
        "/loyalty/{customerId}/redemptions/{redemptionId}/commit",
        "/loyalty/{customerId}/redemptions/{redemptionId}/cancel",
    ]
)
reserve_bodies = st.fixed_dictionaries(
    {},
    optional={
        "redemptionId": json_values | st.sampled_from(["r-1", "r#1", ""]),
        "points": json_values | st.integers(-5, 5),
        "extra": json_values,
    },
)


@st.composite
def redemption_events(draw: st.DrawFn) -> dict[str, Any]:
    route = draw(redemption_routes)
    event = draw(api_events)
    body = draw(st.one_of(st.none(), raw_body(), reserve_bodies.map(json.dumps), json_values))
    redemption_id = draw(st.sampled_from(["r-1", "r#1", ""]) | json_values)
    if draw(st.booleans()):
        event["version"] = "2.0"
        event["routeKey"] = draw(st.sampled_from([f"POST {route}", f"GET {route}"]) | json_values)
    else:
        event["resource"] = route
        event["httpMethod"] = draw(st.sampled_from(["POST", "GET"]) | json_values)
    parameters = event.get("pathParameters")
    if isinstance(parameters, dict):
        parameters["redemptionId"] = redemption_id
    event["body"] = body
    event["isBase64Encoded"] = draw(st.booleans() | json_values)
    return event


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.one_of(redemption_events(), json_values))
def test_any_redemption_event_gets_a_documented_answer_and_a_400_names_its_field(
    event: Any,
) -> None:
    repository = InMemoryLoyaltyRepository()
    response = redemption_response(event, repository, admin_group=ADMIN, now=fixed_clock)
    assert response["statusCode"] in {201, 200, 400, 401, 403, 404, 409, 503}
    body = json.loads(response["body"])
    assert isinstance(body, dict)
    if response["statusCode"] >= 400:
        assert body["message"]
    if response["statusCode"] == 400 and "field" in body:
        assert body["field"] in {"body", "customerId", "redemptionId", "points", "extra"}
