"""TierChanged through the sandbox: published as a customer climbs, and when fake points expire."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from loyalty.domain.tiers import Tier
from tests.integration.conftest import FAKE_TTL_SECONDS
from tests.integration.pipeline import booking, publish, repository, unique

if TYPE_CHECKING:
    from loyalty.domain.events import TierChanged
    from loyalty_sandbox import Sandbox


def version(change: TierChanged) -> int:
    return int(change.event_id.rpartition("/v")[2])


def test_a_customer_climbing_to_gold_and_falling_back_when_fake_points_expire_is_told_each_time(
    sandbox: Sandbox,
) -> None:
    customer = unique("climber")
    publish(sandbox, [booking(customer, "real", 60_000)])
    sandbox.drain()
    publish(sandbox, [booking(customer, "fake", 45_000, fake=True)])
    sandbox.drain()
    deadline = time.monotonic() + FAKE_TTL_SECONDS + 10
    while repository(sandbox).get_transaction(customer, "fake") is not None:
        assert time.monotonic() < deadline, "the sweeper did not expire the fake transaction"
        time.sleep(0.2)
    sandbox.drain()

    published = [c for c in sandbox.tier_changes(wait_seconds=1) if c.customer_id == customer]
    changes = sorted({c.event_id: c for c in published}.values(), key=version)
    assert [(c.from_tier, c.to_tier) for c in changes] == [
        (Tier.BRONZE, Tier.SILVER),
        (Tier.SILVER, Tier.GOLD),
        (Tier.GOLD, Tier.SILVER),
    ]
    assert [c.qualifying_points for c in changes] == [60_000, 105_000, 60_000]
    assert sandbox.queue_depth(sandbox.resources.notify_failure_queue_url) == 0


def test_writes_that_keep_the_tier_publish_nothing(sandbox: Sandbox) -> None:
    customer = unique("steady")
    publish(sandbox, [booking(customer, f"b-{n}", 1_000) for n in range(3)])
    sandbox.drain()
    assert [c for c in sandbox.tier_changes(wait_seconds=1) if c.customer_id == customer] == []
