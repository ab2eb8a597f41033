"""CLI: ``flask marathon load-cases [--check] [--dir PATH]``."""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import force_locale

from marathon.cases.service import CaseValidationError, load_cases


def register(group: click.Group) -> None:
    """Add the case commands to the ``marathon`` group."""

    @group.command("load-cases")
    @click.option("--check", is_flag=True, help="Only validate the case folders; load nothing.")
    @click.option(
        "--dir",
        "cases_dir",
        type=click.Path(file_okay=False, path_type=str),
        default=None,
        help="The cases folder (default: the CASES_DIR setting, cases/ in the project).",
    )
    def load_cases_command(check: bool, cases_dir: str | None) -> None:
        """Validate cases/ and load it into the database (safe to run again)."""

        try:
            # Messages in the section's language: there is no visitor to choose one here.
            with force_locale(current_app.config["DEFAULT_LOCALE"]):
                report = load_cases(cases_dir, check_only=check)
        except CaseValidationError as error:
            for problem in error.errors:
                click.echo(str(problem), err=True)
            count = len(error.errors)
            noun = "error" if count == 1 else "errors"
            click.echo(f"{count} {noun}: nothing was loaded. Fix them and run again.", err=True)
            raise SystemExit(1) from None
        click.echo(str(report))
