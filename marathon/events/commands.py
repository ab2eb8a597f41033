"""CLI commands of the events package."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from marathon.events.service import events_for, is_open


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""
    group.add_command(list_events)


@click.command("list-events")
@with_appcontext
def list_events() -> None:
    """Every event: id, join code, open or closed, group, title."""

    for event in events_for(None):
        state = "open" if is_open(event) else "closed"
        click.echo(f"{event.id}\t{event.join_code}\t{state}\t{event.group.name}\t{event.title}")
