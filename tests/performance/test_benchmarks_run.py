"""The request-count benchmarks at tiny size: they measure what the design promises (no timings)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import boto3
import pytest

from benchmarks.aws import dynamodb_client, item_size, write_units
from benchmarks.client_cpu import request_kinds
from benchmarks.common import Figure, fake_aws_environment
from benchmarks.cost import aggregate_cost, ingest_cost, powertools_ingest_cost
from benchmarks.http_stub import http_stub
from benchmarks.lots import aggregate_shape, lots_request_cost
from benchmarks.overhead import overhead_figures
from benchmarks.run import goals, main
from loyalty.domain.transactions import ExpiryRounding
from loyalty.repository.dynamodb import DynamoDBLoyaltyRepository

if TYPE_CHECKING:
    from pathlib import Path


def test_ingest_costs_one_write_one_wcu_and_no_read_per_message_new_or_duplicate() -> None:
    cost = ingest_cost(4)
    for batch in (cost.new, cost.duplicate):
        assert batch.calls == {"PutItem": 4}
        assert batch.reads == 0
        assert batch.write_units == 4


def test_powertools_peer_costs_three_writes_per_new_message_and_one_per_duplicate() -> None:
    cost = powertools_ingest_cost(3)
    assert cost.new.calls == {"PutItem": 6, "UpdateItem": 3}
    assert cost.duplicate.calls == {"PutItem": 3}


def test_aggregate_writes_once_per_distinct_customer_warm_and_reads_each_once_cold() -> None:
    cost = aggregate_cost(records=12, customers=3)
    # One statement per customer, grouped in one request; a write unit per statement.
    assert cost.warm.calls == {"BatchExecuteStatement": 1}
    assert cost.warm.write_units == 3
    assert cost.cold.calls == {"BatchGetItem": 1, "BatchExecuteStatement": 1}
    assert cost.cold.write_units == 3
    assert cost.per_record_peer.calls == {"UpdateItem": 12}


def test_a_daily_flyers_lots_are_still_read_with_one_get_item_and_written_with_one_put() -> None:
    read, batch = lots_request_cost()
    assert read.calls == {"GetItem": 1}
    assert batch.calls == {"BatchGetItem": 1, "PutItem": 1}


@pytest.mark.parametrize("rounding", list(ExpiryRounding))
def test_a_typical_customers_aggregate_write_costs_one_write_unit(rounding: ExpiryRounding) -> None:
    shape = aggregate_shape(91, rounding)
    assert (shape.lots, shape.write_units) == (5, 1)


def test_rounding_bounds_a_daily_flyers_lots() -> None:
    lots = {rounding: aggregate_shape(1, rounding).lots for rounding in ExpiryRounding}
    assert lots == {
        ExpiryRounding.NONE: 365,
        ExpiryRounding.DAY: 365,
        ExpiryRounding.MONTH: 13,
        ExpiryRounding.QUARTER: 5,
    }


def test_write_units_round_up_per_started_kilobyte_with_a_minimum_of_one() -> None:
    assert item_size({"pk": {"S": "abc"}, "n": {"N": "12345"}, "b": {"BOOL": True}}) == 12
    assert write_units(0, 0) == 1
    assert write_units(1024, 10) == 1
    assert write_units(300, 1025) == 2


def test_a_figure_is_met_when_its_ratio_is_within_the_target() -> None:
    assert Figure("g", "f", 2.0, "ms", 1.0, "limit", target=3.0).met is True
    assert Figure("g", "f", 4.0, "ms", 1.0, "limit", target=3.0).met is False
    assert Figure("g", "f", 0.0, "req", 0.0, "limit", target=0.0).met is True
    assert Figure("g", "f", 1.0, "ms").met is None


def test_the_runner_prints_the_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    figure = Figure("ingest", "new: write requests/msg", 1.0, "req", 1.0, "limit", target=1.0)
    monkeypatch.setattr("benchmarks.run.run_figures", lambda *, quick, only: [figure])
    path = tmp_path / "bench.json"
    assert main(["--json", str(path)]) == 0
    assert "[ingest] new: write requests/msg" in capsys.readouterr().out
    document = json.loads(path.read_text())
    assert document["figures"][0]["met"] is True
    assert document["machine"]["nproc"] >= 1


def test_only_the_benchmarks_named_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    figure = Figure("sandbox", "end to end", 150.0, "events/s")

    def not_asked_for(**_: object) -> list[Figure]:
        raise AssertionError("a benchmark that was not named ran")

    others = (
        "cost_figures", "lot_figures", "redemption_figures", "latency_figures",
        "client_cpu_figures", "overhead_figures", "startup_figures", "pricing_figures",
        "layer_figures",
    )  # fmt: skip
    for name in others:
        monkeypatch.setattr(f"benchmarks.run.{name}", not_asked_for)
    monkeypatch.setattr("benchmarks.run.sandbox_figures", lambda **_: [figure])

    assert main(["--quick", "--only", "sandbox"]) == 0
    assert "[sandbox] end to end" in capsys.readouterr().out


def test_a_higher_is_better_figure_is_met_when_its_ratio_reaches_the_target() -> None:
    assert Figure("g", "f", 120.0, "events/s", 55.0, "before", 2.0, at_least=True).met is True
    assert Figure("g", "f", 100.0, "events/s", 55.0, "before", 2.0, at_least=True).met is False


def test_a_timed_figure_is_the_median_of_its_samples_and_keeps_min_and_max() -> None:
    figure = Figure.timed("latency", "batch", [3.0, 1.0, 2.0], "ms")
    assert figure.value == 2.0
    assert figure.as_json()["min"] == 1.0
    assert figure.as_json()["max"] == 3.0
    assert figure.as_json()["runs"] == 3


def test_the_goals_list_each_goal_with_the_rows_that_measure_it() -> None:
    row = Figure(
        "latency", "http, 10 ms: aggregate 100 rec/50 cust, warm", 25.0, "ms", 10.0,
        "1 call delay", target=2.0,
    )  # fmt: skip
    text = goals([row])
    assert "aggregate batch 100 rec/50 cust, 10 ms per call, over HTTP: <= 2x" in text
    assert (
        "http, 10 ms: aggregate 100 rec/50 cust, warm: 25 ms, 2.50x 1 call delay (MISSED)" in text
    )


def test_the_http_stub_answers_every_request_kind_through_botocore() -> None:
    with fake_aws_environment(), http_stub() as url:
        repository = DynamoDBLoyaltyRepository(dynamodb_client(endpoint_url=url), "table")
        kinds = request_kinds(repository)
        for call in kinds.values():
            call()
        assert repository.get_aggregates(["c-1", "c-2"]).keys() == {"c-1", "c-2"}
        sns = boto3.client("sns", endpoint_url=url)
        assert sns.publish(TopicArn="arn:aws:sns:eu-west-1:123456789012:t", Message="m")[
            "MessageId"
        ]


def test_the_overhead_benchmark_runs_the_services_against_its_stub_repository() -> None:
    figures = list(overhead_figures(seconds=0.01, rounds=1))
    assert figures
    assert all(figure.value > 0 for figure in figures)
