"""An earn rule's result is checked before anything is written: an int >= 0, nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from loyalty import InMemoryLoyaltyRepository, LoyaltyPolicy, ingest_sqs_event
from loyalty.domain.earning import earned_points
from loyalty.errors import InvalidEarnRule
from tests.support.builders import booking_body, fixed_clock, sqs_event, sqs_record


@pytest.mark.parametrize(
    ("result", "described"),
    [
        (123.45, "123.45 (float)"),
        (10.0, "10.0 (float)"),
        (True, "True (bool)"),
        (-1, "-1"),
        (None, "None (NoneType)"),
        ("100", "'100' (str)"),
    ],
)
def test_an_earn_rule_returning_anything_but_a_non_negative_int_writes_nothing(
    result: Any, described: str
) -> None:
    repository = InMemoryLoyaltyRepository()
    policy = LoyaltyPolicy(earn_rule=lambda amount: result)
    good_policy_record = sqs_record(booking_body(amount=12_345), message_id="m-1")
    outcome = ingest_sqs_event(
        sqs_event(good_policy_record), repository, policy=policy, now=fixed_clock
    )
    assert list(outcome.failures) == ["m-1"]
    reason = outcome.failures["m-1"]
    assert f"the earn rule returned {described} for amount 12345" in reason, reason
    assert "must return an int >= 0" in reason
    assert repository.write_count == 0


def test_a_float_dividing_earn_rule_is_refused_naming_its_result() -> None:
    with pytest.raises(InvalidEarnRule, match=r"returned 123\.45 \(float\) for amount 12345"):
        earned_points(lambda amount: amount / 100, 12_345)


def test_an_integer_earn_rule_result_passes_through() -> None:
    assert earned_points(lambda amount: amount // 100, 12_345) == 123
