"""What a redemption call costs, as decision 0013 promises it (counts only, never timings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from benchmarks.aws import dynamodb_client
from benchmarks.common import fake_aws_environment
from benchmarks.cost import LEDGER_TABLE
from benchmarks.redemptions import contention, redemption_request_costs
from loyalty.testing import create_ledger_table
from loyalty_sandbox.server import EmulatorServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_dynamodb import DynamoDBClient

    from benchmarks.cost import RequestCost


@pytest.fixture(scope="module")
def costs() -> dict[str, RequestCost]:
    return redemption_request_costs()


@pytest.mark.parametrize("call", ["reserve", "commit", "cancel a hold", "cancel a commit (refund)"])
def test_a_call_is_one_consistent_read_and_one_transaction_of_two_items_costing_four_units(
    costs: dict[str, RequestCost], call: str
) -> None:
    cost = costs[call]
    assert cost.calls == {"BatchGetItem": 1, "TransactWriteItems": 1}
    assert cost.consistent_reads == 1
    assert cost.transaction_items == 2
    assert cost.write_units == 4


def test_a_repeated_reserve_is_the_read_alone(costs: dict[str, RequestCost]) -> None:
    cost = costs["reserve again (same request)"]
    assert cost.calls == {"BatchGetItem": 1}
    assert (cost.consistent_reads, cost.write_units) == (1, 0)


@pytest.fixture(scope="module")
def emulator() -> Iterator[DynamoDBClient]:
    with fake_aws_environment():
        server = EmulatorServer()
        server.start()
        try:
            client = dynamodb_client(endpoint_url=server.endpoint_url)
            create_ledger_table(client, LEDGER_TABLE)
            yield client
        finally:
            server.stop()


def test_concurrent_reserves_for_one_customer_all_hold_and_count_each_cancelled_transaction(
    emulator: DynamoDBClient,
) -> None:
    run = contention(emulator, LEDGER_TABLE, 4)

    assert len(run.latencies) == 4
    # Each reserve's last transaction committed; every other one was cancelled by a concurrent
    # reserve, and a reserve is beaten at most once by each of the others.
    assert run.transactions - run.cancelled == 4
    assert run.cancelled <= 4 * 3
    assert run.conflict_rate == run.cancelled / run.transactions
