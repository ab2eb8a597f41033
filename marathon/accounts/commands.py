"""CLI commands of the accounts package."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""
