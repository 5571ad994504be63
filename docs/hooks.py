"""MkDocs hooks: pages that are generated from the code at build time, so they cannot drift.

``<!-- generated: booking-event-schema -->`` becomes the JSON Schema of ``BookingEvent``;
``<!-- generated: cli-reference -->`` becomes the help of every ``loyalty`` command.
"""

from __future__ import annotations

import json
from typing import Any


def _booking_event_schema() -> str:
    from loyalty.events.booking import BookingEvent

    schema = BookingEvent.model_json_schema(by_alias=True)
    return "```json\n" + json.dumps(schema, indent=2) + "\n```"


def _cli_reference() -> str:
    import click
    import typer
    from loyalty_cli.app import app

    root = typer.main.get_command(app)
    sections: list[str] = []

    def walk(command: click.Command, path: list[str], parent: click.Context | None) -> None:
        context = click.Context(command, info_name=path[-1], parent=parent, terminal_width=100)
        sections.append(f"## `{' '.join(path)}`\n\n```text\n{command.get_help(context)}\n```\n")
        if isinstance(command, click.Group):
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*path, name], context)

    walk(root, ["loyalty"], None)
    return "\n".join(sections)


_GENERATORS = {
    "<!-- generated: booking-event-schema -->": _booking_event_schema,
    "<!-- generated: cli-reference -->": _cli_reference,
}


def on_page_markdown(markdown: str, **_: Any) -> str:
    for marker, generate in _GENERATORS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, generate())
    return markdown
