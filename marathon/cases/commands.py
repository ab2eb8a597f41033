"""CLI: ``flask marathon load-cases``."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the case commands to the ``marathon`` group."""

    @group.command("load-cases")
    def load_cases_command() -> None:
        """Validate cases/ and load it into the database (safe to run again)."""
        from marathon.cases.service import load_cases

        report = load_cases()
        click.echo(report)
