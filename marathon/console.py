"""The ``marathon`` console script: ``flask --app app`` with the Marathon app preloaded."""

from __future__ import annotations

import sys

from flask.cli import FlaskGroup

from marathon import create_app


def main() -> None:
    """Run the ``marathon`` command (the same commands as ``flask --app app``)."""
    cli = FlaskGroup(create_app=create_app, help="Marathon (same commands as `flask --app app`).")
    sys.exit(cli.main(prog_name="marathon"))
