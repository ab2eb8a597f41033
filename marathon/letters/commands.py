"""CLI commands of the letters package: the privacy purge."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""

    @group.command("purge")
    def purge_command() -> None:
        """Erase names, towns and texts of letters past the retention period (counts stay)."""
        from marathon.letters.privacy import purge_expired

        purged = purge_expired()
        click.echo(f"{purged} letters purged of personal data.")
