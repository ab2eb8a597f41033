"""CLI commands of the events package."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""
    group.add_command(create_group)
    group.add_command(list_events)


@click.command("create-group")
@click.argument("name")
@click.option("--town", default=None, help="The group's town.")
@with_appcontext
def create_group(name: str, town: str | None) -> None:
    """Create a local group (admins can also do it at /events/groups)."""
    from marathon.events.service import EventError
    from marathon.events.service import create_group as make

    try:
        # A request context gives the messages their locale (the section's default).
        with current_app.test_request_context():
            group = make(name=name, town=town)
            label = f"Group {group.id}: {group.name}"
    except EventError as error:
        raise click.ClickException(str(error)) from error
    click.echo(label)


@click.command("list-events")
@with_appcontext
def list_events() -> None:
    """Every event: id, join code, open or closed, group, title."""
    from marathon.events.service import events_for, is_open

    for event in events_for(None):
        state = "open" if is_open(event) else "closed"
        click.echo(f"{event.id}\t{event.join_code}\t{state}\t{event.group.name}\t{event.title}")
