"""Figures 6 and 7: cold start of each Lambda entrypoint, and CLI start.

Each sample is a fresh interpreter (``sys.executable``, cwd at the repository root, fake AWS
credentials, ``LOYALTY_TABLE_NAME`` and the endpoint of :mod:`benchmarks.http_stub` set), as a new
Lambda container is. It measures its own CPU (``process_time``) and wall time for two spans:

- **import**: ``import lambda_entrypoints.X`` (which builds the function's client), against
  ``import boto3, pydantic``;
- **init + first invocation**: the import, then one call of the handler with a one-record event
  or one request taking the function's normal path, whose requests go to the HTTP stub (no
  delay), for every entrypoint. Against the floor, ``import botocore.session``,
  create the DynamoDB client and make one call, and the fair peer: a handler with Powertools'
  ``Logger``, ``Metrics`` and ``BatchProcessor`` that writes the record with one ``put_item`` on a
  ``boto3.client``.

Subjects run round-robin, so a neighbour's load on a shared machine falls on all of them alike;
each figure is the median CPU with min and max, the wall time in the note.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.cold_start import TARGET_LAYER_BYTES, layer_sizes
from benchmarks.common import AWS_ENVIRONMENT, Figure
from benchmarks.http_stub import http_stub
from loyalty.domain.aggregates import CustomerAggregate
from loyalty.domain.tiers import Tier
from loyalty.inbound.redemption_requests import RESERVE_ROUTE
from loyalty.repository.items import aggregate_to_item
from loyalty.testing import booking_body, sqs_event, sqs_record, stream_record, transaction_image

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["ROOT", "Span", "cold_starts", "layer_figures", "startup_figures"]

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINTS = ("ingest", "aggregate", "get_points", "notify", "redemptions")
BASELINE = "import boto3, pydantic"
FLOOR = "\n".join(
    (
        "import botocore.session",
        "client = botocore.session.Session().create_client('dynamodb')",
        "client.get_item(TableName='t', Key={'pk': {'S': 'AGG#c'}, 'sk': {'S': 'AGG'}})",
    )
)
POWERTOOLS_PEER = """
import json
import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor, EventType, process_partial_response,
)
logger = Logger(service="peer")
metrics = Metrics(namespace="bench", service="peer")
processor = BatchProcessor(event_type=EventType.SQS)
client = boto3.client("dynamodb")

def record_handler(record):
    booking = json.loads(record.body)
    client.put_item(
        TableName="t",
        Item={"pk": {"S": "TXN#" + booking["customerId"]}, "sk": {"S": booking["booking"]["id"]}},
        ConditionExpression="attribute_not_exists(pk)",
    )

@metrics.log_metrics
@logger.inject_lambda_context
def handler(event, context):
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
"""
_CONTEXT = """
class Context:
    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    def get_remaining_time_in_millis(self):
        return 30000
"""


@dataclass(frozen=True, slots=True)
class Span:
    """CPU and wall seconds of one measured span in one fresh interpreter."""

    cpu: float
    wall: float


def _program(init: str, invoke: str | None) -> str:
    """A child program timing ``init`` and then ``invoke`` (handler call with ``event``)."""
    lines = [
        "import time",
        "w0, c0 = time.perf_counter(), time.process_time()",
        init,
        "w1, c1 = time.perf_counter(), time.process_time()",
    ]
    if invoke is not None:
        lines += [
            "import json, sys",
            _CONTEXT,
            "event = json.loads(open(sys.argv[1]).read())",
            invoke,
        ]
    lines.append("print(c1 - c0, w1 - w0, time.process_time() - c0, time.perf_counter() - w0)")
    return "\n".join(lines)


def _subjects() -> dict[str, tuple[str, str | None]]:
    subjects: dict[str, tuple[str, str | None]] = {
        "baseline": (BASELINE, None),
        "floor": (FLOOR, ""),
        "peer": (POWERTOOLS_PEER, "handler(event['ingest'], Context())"),
    }
    for name in ENTRYPOINTS:
        call = f"module.handler(event[{name!r}], Context())"
        subjects[name] = (f"import lambda_entrypoints.{name} as module", call)
    return subjects


def _aggregate_image(tier: Tier, points: int, version: int) -> dict[str, Any]:
    aggregate = CustomerAggregate(
        "c-1", points, tier, (), qualifying_points=points, applied_sequence="1", version=version,
        updated_at="2026-11-24T12:00:00.000Z",
    )  # fmt: skip
    return dict(aggregate_to_item(aggregate))


def _api_event(method: str, resource: str, path: str, body: Any = None) -> dict[str, Any]:
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "pathParameters": {"customerId": "c-1"},
        "requestContext": {"authorizer": {"claims": {"sub": "c-1"}}},
        "body": None if body is None else json.dumps(body),
    }


def _events() -> dict[str, Any]:
    """One record or request per entrypoint, each taking its function's normal path.

    notify: a write that changed the tier, so one ``Publish``; redemptions: a reserve, which reads
    the aggregate (the stub's holds no points) and answers 409 with the available points.
    """
    tier_change = (
        _aggregate_image(Tier.BRONZE, 49_000, 1),
        _aggregate_image(Tier.SILVER, 51_000, 2),
    )
    return {
        "ingest": sqs_event(sqs_record(booking_body(customer_id="c-1", booking_id="b-1"))),
        "aggregate": {"Records": [stream_record(None, transaction_image("c-1", "b-1", 100))]},
        "get_points": _api_event("GET", "/loyalty/{customerId}", "/loyalty/c-1"),
        "notify": {"Records": [stream_record(*tier_change)]},
        "redemptions": _api_event(
            "POST",
            RESERVE_ROUTE,
            "/loyalty/c-1/redemptions",
            {"redemptionId": "r-1", "points": 100},
        ),
    }


def _environment(endpoint_url: str | None = None) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "PYTHON", "POWERTOOLS_")) and name != "LOYALTY_TABLE_NAME"
    }
    environment |= AWS_ENVIRONMENT | {
        "LOYALTY_EVENTS_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:loyalty-bench-events",
        "PYTHONPATH": os.pathsep.join((str(ROOT / "src"), str(ROOT))),
        "POWERTOOLS_METRICS_NAMESPACE": "bench",
    }
    if endpoint_url is not None:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
    return environment


def _run(program: str, events: Path, environment: Mapping[str, str]) -> tuple[Span, Span]:
    completed = subprocess.run(
        [sys.executable, "-c", program, str(events)],
        cwd=ROOT,
        env=dict(environment),
        capture_output=True,
        text=True,
        check=True,
    )
    init_cpu, init_wall, total_cpu, total_wall = map(float, completed.stdout.split()[-4:])
    return Span(init_cpu, init_wall), Span(total_cpu, total_wall)


def cold_starts(repeats: int) -> dict[str, tuple[list[Span], list[Span]]]:
    """(init spans, init + first invocation spans) per subject, measured round-robin."""
    subjects = _subjects()
    samples: dict[str, tuple[list[Span], list[Span]]] = {name: ([], []) for name in subjects}
    with http_stub() as url, tempfile.TemporaryDirectory() as directory:
        events = Path(directory) / "events.json"
        events.write_text(json.dumps(_events()))
        environment = _environment(url)
        programs = {name: _program(init, invoke) for name, (init, invoke) in subjects.items()}
        for program in programs.values():
            _run(program, events, environment)  # bytecode and file caches warm, as on Lambda
        for _ in range(repeats):
            for name, program in programs.items():
                init, total = _run(program, events, environment)
                samples[name][0].append(init)
                samples[name][1].append(total)
    return samples


def _cpu_figure(
    name: str, spans: list[Span], reference: list[Span] | None = None, label: str = "", **kw: Any
) -> Figure:
    wall = statistics.median(span.wall for span in spans) * 1000
    note = f"wall {wall:.0f} ms"
    if reference is not None:
        reference_wall = statistics.median(span.wall for span in reference) * 1000
        note += f" vs {reference_wall:.0f} ms"
    return Figure.timed(
        "cold start", name, [span.cpu * 1000 for span in spans], "ms CPU",
        reference=None if reference is None else statistics.median(s.cpu for s in reference) * 1000,
        reference_label=label, note=note, **kw,
    )  # fmt: skip


def _median_cpu(spans: list[Span]) -> float:
    return statistics.median(span.cpu for span in spans)


def _wall_seconds(command: list[str], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=_environment(), capture_output=True, check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def _cli_command() -> list[str] | None:
    if importlib.util.find_spec("loyalty_cli") is None:
        return None
    if importlib.util.find_spec("loyalty_cli.app") is None:
        return None
    script = Path(sys.executable).parent / "loyalty"
    if script.exists():
        return [str(script), "--help"]
    found = shutil.which("loyalty")
    return [found, "--help"] if found else None


def startup_figures(*, repeats: int = 5) -> Iterator[Figure]:
    """Figures 6 and 7, in CPU milliseconds (wall in the notes)."""
    samples = cold_starts(repeats)
    baseline = samples["baseline"][0]
    floor, peer = samples["floor"][1], samples["peer"][1]
    yield _cpu_figure(f"import: baseline {BASELINE}", baseline)
    for name in ENTRYPOINTS:
        yield _cpu_figure(
            f"import: {name}", samples[name][0], baseline, "boto3+pydantic", target=1.3
        )
    yield _cpu_figure("init + 1st call: floor (botocore client + 1 call)", floor)
    yield _cpu_figure("init + 1st call: peer (Powertools Logger+Metrics+BatchProcessor)", peer)
    for name in ENTRYPOINTS:
        spans = samples[name][1]
        figure = _cpu_figure(f"init + 1st call: {name}", spans, floor, "floor")
        ratio = _median_cpu(spans) / _median_cpu(peer)
        yield replace(figure, note=f"{figure.note}; {ratio:.2f}x the peer")
    typer = _wall_seconds([sys.executable, "-c", "import typer"], repeats) * 1000
    command = _cli_command()
    if command is None:
        yield Figure(
            "cli", "loyalty --help (wall)", None, "ms", typer, "python -c 'import typer'",
            note="loyalty_cli is not installed",
        )  # fmt: skip
    else:
        yield Figure(
            "cli", "loyalty --help (wall)", _wall_seconds(command, repeats) * 1000, "ms",
            typer, "python -c 'import typer'",
        )  # fmt: skip


def layer_figures(dist: Path = ROOT / "dist") -> Iterator[Figure]:
    """The Lambda layer zips' sizes (built by ``nox -s layer``), against the size budget."""
    sizes = layer_sizes(dist)
    if not sizes:
        yield Figure(
            "layer", "layer zip size", None, "MB", TARGET_LAYER_BYTES / 1e6, "limit",
            note="no layer zips in dist/: run `nox -s layer` first",
        )  # fmt: skip
    for name, zipped, unzipped in sizes:
        yield Figure(
            "layer", name, zipped / 1e6, "MB", TARGET_LAYER_BYTES / 1e6, "limit", target=1.0,
            note=f"{unzipped / 1e6:.1f} MB unzipped",
        )  # fmt: skip
