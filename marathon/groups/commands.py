"""CLI commands of the groups package."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from marathon.groups.service import GroupError
from marathon.groups.service import create_group as make_group


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""
    group.add_command(create_group)


@click.command("create-group")
@click.argument("name")
@click.option("--town", default=None, help="The group's town.")
@with_appcontext
def create_group(name: str, town: str | None) -> None:
    """Create a local group (admins can also do it at /events/groups)."""
    try:
        # A request context gives the messages their locale (the section's default).
        with current_app.test_request_context():
            group = make_group(name=name, town=town)
            label = f"Group {group.id}: {group.name}"
    except GroupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(label)
