"""The fake-traffic service: fake customers and bookings, expiring as the expiry policy says."""

from __future__ import annotations

from datetime import timedelta

from loyalty import ExpiryPolicy, InMemoryLoyaltyRepository, TransactionStatus
from loyalty.services.fake_traffic import fake_customer_id, issue_fake_traffic
from tests.support.builders import FIXED_NOW, fixed_clock


def test_fake_transactions_expire_after_the_policys_fake_lifetime() -> None:
    repository = InMemoryLoyaltyRepository()
    traffic = issue_fake_traffic(
        repository,
        customers=2,
        count=3,
        points=250,
        expiry=ExpiryPolicy(fake=timedelta(minutes=15)),
        now=fixed_clock,
    )
    expected_expiry = int((FIXED_NOW + timedelta(minutes=15)).timestamp())
    assert {t.expires_at for t in traffic.transactions} == {expected_expiry}
    stored = [
        *repository.list_transactions(fake_customer_id(1)),
        *repository.list_transactions(fake_customer_id(2)),
    ]
    assert len(stored) == 3
    for transaction in stored:
        assert transaction.fake
        assert transaction.status is TransactionStatus.ACTIVE
        assert transaction.points == 250
        assert transaction.booking_id.startswith("fake-")
        assert transaction.expires_at == expected_expiry
    assert {outcome.value for outcome in traffic.outcomes.values()} == {"created"}


def test_without_a_policy_fake_transactions_live_one_day() -> None:
    traffic = issue_fake_traffic(None, now=fixed_clock)
    assert traffic.transactions[0].expires_at == int((FIXED_NOW + timedelta(days=1)).timestamp())


def test_transactions_go_round_robin_over_the_fake_customers() -> None:
    traffic = issue_fake_traffic(None, customers=2, count=5, now=fixed_clock)
    assert [t.customer_id for t in traffic.transactions] == [
        "fake-customer-0001",
        "fake-customer-0002",
        "fake-customer-0001",
        "fake-customer-0002",
        "fake-customer-0001",
    ]
    assert len({t.booking_id for t in traffic.transactions}) == 5


def test_a_dry_run_plans_without_asking_or_writing() -> None:
    def refuse(_: object) -> None:
        raise AssertionError("a dry run must not ask")

    traffic = issue_fake_traffic(None, count=2, approve=refuse)
    assert len(traffic.transactions) == 2
    assert traffic.outcomes == {}


def test_the_approval_sees_the_plan_before_anything_is_written() -> None:
    repository = InMemoryLoyaltyRepository()
    seen: list[int] = []

    def approve(planned: list[object]) -> None:
        seen.append(len(planned))
        assert repository.write_count == 0

    issue_fake_traffic(repository, count=4, approve=approve)
    assert seen == [4]
    assert repository.write_count == 4
