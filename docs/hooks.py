"""MkDocs hooks: pages that are generated from the code at build time, so they cannot drift.

``<!-- generated: booking-event-schema -->`` becomes the JSON Schema of ``BookingEvent``;
``<!-- generated: tier-changed-schema -->`` the JSON Schema of a ``TierChanged`` message body;
``<!-- generated: openapi-document -->`` the OpenAPI document of the HTTP API;
``<!-- generated: cli-reference -->`` becomes the help of every ``loyalty`` command.
"""

from __future__ import annotations

import json
import os
from typing import Any


def _booking_event_schema() -> str:
    from loyalty.inbound.booking import BookingEvent

    schema = BookingEvent.model_json_schema(by_alias=True)
    return "```json\n" + json.dumps(schema, indent=2) + "\n```"


def _tier_changed_schema() -> str:
    from loyalty.outbound.tier_changed import tier_changed_json_schema

    return "```json\n" + json.dumps(tier_changed_json_schema(), indent=2) + "\n```"


def _openapi_document() -> str:
    from loyalty.inbound.openapi import openapi_document

    return "```json\n" + json.dumps(openapi_document(), indent=2) + "\n```"


def _cli_reference() -> str:
    # Plain-text help: Typer's Rich help prints to the terminal instead of returning the text.
    os.environ["TYPER_USE_RICH"] = "0"
    import typer

    from loyalty_cli.app import app

    sections: list[str] = []

    def walk(command: Any, path: list[str], parent: Any) -> None:
        # Typer ships its own click, so commands are walked by duck typing, not isinstance.
        context = command.make_context(path[-1], [], parent=parent, resilient_parsing=True)
        sections.append(f"## `{' '.join(path)}`\n\n```text\n{command.get_help(context)}\n```\n")
        for name in getattr(command, "list_commands", lambda _: [])(context):
            sub = command.get_command(context, name)
            if sub is not None and not sub.hidden:
                walk(sub, [*path, name], context)

    walk(typer.main.get_command(app), ["loyalty"], None)
    return "\n".join(sections)


_GENERATORS = {
    "<!-- generated: booking-event-schema -->": _booking_event_schema,
    "<!-- generated: tier-changed-schema -->": _tier_changed_schema,
    "<!-- generated: openapi-document -->": _openapi_document,
    "<!-- generated: cli-reference -->": _cli_reference,
}


def on_page_markdown(markdown: str, **_: Any) -> str:
    for marker, generate in _GENERATORS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, generate())
    return markdown
