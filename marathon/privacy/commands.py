"""CLI commands of the privacy package: the purge."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from marathon.privacy.service import purge_expired


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""
    group.add_command(purge_command)


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Erase names, towns and texts of letters past the retention period (counts stay)."""
    purged = purge_expired()
    click.echo(f"{purged} letters purged of personal data.")
