"""The ``flask marathon`` command group; each feature package adds its own commands to it."""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from marathon.accounts import commands as accounts_commands
from marathon.batches import commands as batches_commands
from marathon.cases import commands as cases_commands
from marathon.events import commands as events_commands
from marathon.groups import commands as groups_commands
from marathon.privacy import commands as privacy_commands
from marathon.reports import commands as reports_commands

marathon_cli = AppGroup("marathon", help="Marathon: cases, accounts, jobs, reports, privacy.")

# Feature packages that contribute commands: each has a ``commands.py`` with ``register(group)``.
for _commands in (
    cases_commands,
    accounts_commands,
    groups_commands,
    events_commands,
    batches_commands,
    reports_commands,
    privacy_commands,
):
    _commands.register(marathon_cli)


def register_cli(app: Flask) -> None:
    """Attach the ``marathon`` group, with every feature's commands, to ``app``."""
    app.cli.add_command(marathon_cli)
