"""The ``flask marathon`` command group; each feature package adds its own commands to it."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

marathon_cli = AppGroup("marathon", help="Marathon: cases, accounts, jobs, reports, privacy.")

# Feature packages that contribute commands: each has a ``commands.py`` with ``register(group)``.
COMMAND_MODULES = (
    "marathon.cases.commands",
    "marathon.accounts.commands",
    "marathon.groups.commands",
    "marathon.events.commands",
    "marathon.batches.commands",
    "marathon.reports.commands",
    "marathon.privacy.commands",
)


def register_cli(app: Flask) -> None:
    """Attach the ``marathon`` group, with every feature's commands, to ``app``."""
    if "marathon" in app.cli.commands:
        return
    import importlib

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(marathon_cli)
    app.cli.add_command(marathon_cli)


def main() -> None:
    """The ``marathon`` console script: ``flask --app app`` with the Marathon app preloaded."""

    def _create() -> Flask:
        from marathon import create_app

        return create_app()

    cli = FlaskGroup(create_app=_create, help="Marathon (same commands as `flask --app app`).")
    sys.exit(cli.main(prog_name="marathon"))


__all__ = ["click", "main", "marathon_cli", "register_cli"]
