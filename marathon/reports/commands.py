"""CLI: ``flask marathon report``, ``export-report`` and ``import-report``."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from marathon.editions import current_edition
from marathon.events.models import Group
from marathon.events.service import event_by_code
from marathon.extensions import db
from marathon.reports import exports, report_file, service, transfer
from marathon.reports.transfer import build_report


def register(group: click.Group) -> None:
    """Add this package's commands to the ``marathon`` group."""

    @group.command("report")
    @click.option("--by", "by", multiple=True, help="Breakdown (at most two): case, kind, ...")
    @click.option("--group", "group_name", default=None, help="Only this group (by name).")
    @click.option("--event", "event_code", default=None, help="Only this event (join code).")
    @click.option("--edition", type=int, default=None, help="Edition (default: the current one).")
    @click.option(
        "--format", "output", type=click.Choice(["table", "csv", "json"]), default="table"
    )
    def report_command(
        by: tuple[str, ...],
        group_name: str | None,
        event_code: str | None,
        edition: int | None,
        output: str,
    ) -> None:
        """Print the totals (the same numbers as the report page and its exports)."""

        edition = edition or current_edition()
        try:
            by = service.check_dimensions(by)
            filters = service.parse_filters({"group": group_name, "event": event_code}, edition)
        except service.ReportError as error:
            raise click.UsageError(str(error)) from None
        rows = service.totals(edition, by=by, filters=filters)
        if output == "csv":
            # No BOM on a terminal or a pipe: it is for spreadsheets opening a downloaded file.
            click.echo(exports.rows_to_csv(by, rows).lstrip(exports.BOM), nl=False)
        elif output == "json":
            click.echo(exports.dumps(exports.rows_to_json(edition, by, filters, rows)))
        else:
            click.echo(exports.rows_to_table(by, rows))

    @group.command("export-report")
    @click.option("--event", "event_code", required=True, help="The event's join code.")
    def export_report_command(event_code: str) -> None:
        """Print the report file of an offline event (JSON) for the section's instance."""

        event = event_by_code(event_code)
        if event is None:
            raise click.UsageError(f"No event with the code {event_code}.")
        click.echo(json.dumps(build_report(event), ensure_ascii=False, indent=1))

    @group.command("import-report")
    @click.argument("path", type=click.File("rb"))
    @click.option("--group", "group_name", default=None, help="Attribute to this group (name).")
    def import_report_command(path, group_name: str | None) -> None:
        """Import an offline event's report file; a file already imported counts once."""

        group_id = None
        if group_name:
            group_id = db.session.scalar(select(Group.id).where(Group.name == group_name))
            if group_id is None:
                raise click.UsageError(f"No group named {group_name}.")
        try:
            document = report_file.parse_report(path.read())
            result = transfer.import_report(document, group_id=group_id)
        except report_file.ReportFileError as error:
            click.echo("Refused, nothing was counted:", err=True)
            for reason in error.reasons:
                click.echo(f"- {reason}", err=True)
            sys.exit(1)
        click.echo(result.message)
