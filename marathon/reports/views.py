"""Reports pages: totals, charts, exports, offline reports.

Thin views: the numbers come from :mod:`marathon.reports.service`, files from
:mod:`marathon.reports.exports` and :mod:`marathon.reports.transfer`. The public counter is in
:mod:`marathon.api.counter_views`, the outcomes in :mod:`marathon.outcomes.views`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NoReturn

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.exceptions import default_exceptions

from marathon.accounts.access import admin_required, require_group, role_required, visible_group_ids
from marathon.events.models import Event, Group
from marathon.events.service import event_by_code
from marathon.extensions import db
from marathon.reports import charts, exports, report_file, service, transfer
from marathon.reports.forms import ImportForm
from marathon.reports.models import ReportImport
from marathon.reports.text import integer_formatter
from marathon.web import edition_arg

blueprint = Blueprint("reports", __name__, template_folder="templates")

# A page shows this many lines of a breakdown, the next ones on further pages (a browser chokes
# on 10,000 and nobody reads them there); the CSV and JSON exports have every line.
PAGE_ROWS = 500


def fail(status: int, message: str) -> NoReturn:
    """Stop with ``status`` and a message the error page (or JSON error) shows as written."""
    error = default_exceptions[status](description=message)
    error.marathon_message = message  # type: ignore[attr-defined]
    raise error


@blueprint.app_template_filter("format_report_date")
def format_report_date(value: Any) -> str:
    """A date or datetime in the reader's language (datetimes in the section's time zone)."""

    if isinstance(value, datetime):
        return format_datetime(value, "medium")
    return format_date(value, "medium")


@blueprint.app_template_global("dimension_names")
def dimension_names(by: tuple[str, ...]) -> str:
    """ "Case × Kind" for a breakdown."""
    return " × ".join(str(service.DIMENSION_LABELS[name]) for name in by)


def _query() -> tuple[int, tuple[str, ...], dict[str, Any], list[int] | None]:
    """Edition, breakdown, filters and visible groups of this request (400 when invalid)."""
    edition = edition_arg()
    try:
        by = service.check_dimensions(request.args.getlist("by"))
        filters = service.parse_filters(request.args, edition)
    except service.ReportError as error:
        fail(400, str(error))
    if "group" in filters:
        require_group(filters["group"])
    return edition, by, filters, visible_group_ids(current_user)


def format_number(value: int) -> str:
    """Numbers in the reader's language; the formatter is made once per request."""

    formatter = g.get("report_number_format")
    if formatter is None:
        formatter = g.report_number_format = integer_formatter()
    return formatter(value)


def _charts(edition: int, group_ids: list[int] | None) -> list[Markup]:
    days = service.edition_days(edition, group_ids)
    per_case = service.totals(edition, by=("case",), group_ids=group_ids)
    per_group = service.totals(edition, by=("group",), group_ids=group_ids)
    made = [
        charts.line_chart(
            [(format_date(day, "d MMM"), n) for day, n in days],
            title=_("Letters per day, December %(year)s", year=edition),
            description=_(
                "%(n)s letters over %(d)s days; the busiest day had %(max)s.",
                n=format_number(sum(n for _, n in days)),
                d=len(days),
                max=format_number(max((n for _, n in days), default=0)),
            ),
            uid="chart-days",
            fmt=format_number,
        ),
        charts.bar_chart(
            [(row.labels[0], row.quantity) for row in per_case],
            title=_("Letters per case"),
            description=_(
                "%(n)s cases, %(t)s letters.",
                n=len(per_case),
                t=format_number(service.grand_total(per_case)),
            ),
            uid="chart-cases",
            fmt=format_number,
        ),
    ]
    if group_ids is None or len(per_group) > 1:
        made.append(
            charts.bar_chart(
                [(row.labels[0], row.quantity) for row in per_group],
                title=_("Letters per group"),
                description=_("%(n)s groups.", n=len(per_group)),
                uid="chart-groups",
                fmt=format_number,
            )
        )
    return [Markup(svg) for svg in made]  # built from escaped parts only


def _day_labeller():
    """Format each distinct day once (Babel formatting costs ~0.3 ms a call)."""
    cache: dict[Any, str] = {}

    def label(day: Any) -> str:
        if day not in cache:
            cache[day] = format_date(day, "medium")
        return cache[day]

    return label


@blueprint.route("/reports")
@role_required("coordinator")
def index() -> str:
    """Totals with a one- or two-dimension breakdown (a page of lines), a totals row, charts."""
    edition, by, filters, group_ids = _query()
    page = max(request.args.get("page", 1, type=int), 1)
    found = service.table(
        edition,
        by=by,
        filters=filters,
        group_ids=group_ids,
        offset=(page - 1) * PAGE_ROWS,
        limit=PAGE_ROWS,
    )
    page = found.first // PAGE_ROWS + 1
    # Plain columns, not ORM objects: an admin's page lists every group and event of the edition.
    groups = db.session.execute(select(Group.id, Group.name).order_by(Group.name)).all()
    events = db.session.execute(
        select(Event.join_code, Event.title, Event.group_id)
        .where(Event.edition == edition)
        .order_by(Event.starts_at)
    ).all()
    if group_ids is not None:
        groups = [g for g in groups if g.id in group_ids]
        events = [e for e in events if e.group_id in group_ids]
    return render_template(
        "reports/index.html",
        edition=edition,
        by=by,
        table=found,
        previous_url=_page_url(page - 1) if page > 1 else None,
        next_url=_page_url(page + 1) if found.first + PAGE_ROWS < found.count else None,
        # The downloads hold every line: same breakdown and filters, no page.
        export_args={key: values for key, values in request.args.lists() if key != "page"},
        dimensions=service.DIMENSION_LABELS,
        charts=_charts(edition, group_ids) if not filters else [],
        groups=groups,
        events=events,
        fmt=integer_formatter(),
        day_label=_day_labeller(),
        args=request.args,
        is_admin=current_user.is_admin,
    )


def _page_url(page: int) -> str:
    """This report with another page of its table (the breakdown and filters kept)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for("reports.index", **args, _anchor="breakdown")


@blueprint.route("/reports/export.csv")
@role_required("coordinator")
def export_csv() -> Response:
    """The same totals as the page, as CSV (UTF-8 with BOM)."""
    edition, by, filters, group_ids = _query()
    rows = service.totals(edition, by=by, filters=filters, group_ids=group_ids)
    name = "-".join(["marathon", str(edition), *by]) or "marathon"
    return Response(
        exports.rows_to_csv(by, rows).encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@blueprint.route("/reports/export.json")
@role_required("coordinator")
def export_json() -> Response:
    """The same totals as the page, as JSON."""
    edition, by, filters, group_ids = _query()
    rows = service.totals(edition, by=by, filters=filters, group_ids=group_ids)
    document = exports.rows_to_json(edition, by, filters, rows)
    return Response(exports.dumps(document), mimetype="application/json")


@blueprint.route("/reports/summary.pdf")
@role_required("coordinator")
def summary_pdf() -> Response:
    """A one-page printable summary of an event (``?event=CODE``) or a group (``?group=NAME``)."""
    edition, _by, filters, group_ids = _query()
    if "event" in filters:
        event = db.session.get(Event, filters["event"])
        require_group(event.group_id)
        title, subtitle = event.title, f"{event.group.name} · {format_date(event.starts_at)}"
        scope: dict[str, Any] = {"event": event.id}
        breakdowns = ("case", "kind", "channel")
    elif "group" in filters:
        group = db.session.get(Group, filters["group"])
        title, subtitle = group.name, _("Write for Rights %(year)s", year=edition)
        scope = {"group": group.id}
        breakdowns = ("case", "event", "kind")
    else:
        fail(400, _("Choose an event or a group for the summary."))
    sections = []
    for name in breakdowns:
        rows = service.totals(edition, by=(name,), filters=scope, group_ids=group_ids)
        sections.append(
            {
                "title": str(service.DIMENSION_LABELS[name]),
                "rows": [(row.labels[0], row.quantity) for row in rows],
            }
        )
    total = service.grand_total(service.totals(edition, filters=scope, group_ids=group_ids))
    pdf = exports.summary_pdf(title=title, subtitle=subtitle, sections=sections, total=total)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="marathon-summary.pdf"'},
    )


@blueprint.route("/reports/event-report.json")
@role_required("coordinator")
def event_report_file() -> Response:
    """The same as :func:`download_event_report`, the event given as ``?event=CODE``."""
    code = request.args.get("event", "").strip()
    if not code:
        fail(400, _("Choose the event whose report file you want (its join code)."))
    return download_event_report(code)


@blueprint.route("/reports/events/<code>/report.json")
@role_required("coordinator")
def download_event_report(code: str) -> Response:
    """The offline-report file of one event, to be imported by the section's instance."""
    event = event_by_code(code)
    if event is None:
        abort(404)
    require_group(event.group_id)
    document = transfer.build_report(event)
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="marathon-report-{event.join_code}.json"'
        },
    )


@blueprint.route("/reports/import", methods=["GET", "POST"])
@admin_required
def import_report() -> Any:
    """Upload a report file from an offline event and add its totals, once."""
    form = ImportForm()
    groups = db.session.scalars(select(Group).order_by(Group.name)).all()
    form.group_id.choices = [(0, _("The group named in the file"))] + [
        (g.id, g.name) for g in groups
    ]
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            document = report_file.parse_report(form.report.data.read())
            result = transfer.import_report(
                document, group_id=form.group_id.data or None, user_id=current_user.id
            )
        except report_file.ReportFileError as error:
            errors = error.reasons
        else:
            flash(result.message, "success" if result.created else "warning")
            return redirect(url_for("reports.import_report"))
    imports = db.session.scalars(
        select(ReportImport).order_by(ReportImport.created_at.desc()).limit(50)
    ).all()
    names = {g.id: g.name for g in groups}
    return render_template(
        "reports/import.html",
        form=form,
        errors=errors,
        imports=imports,
        names=names,
        fmt=format_number,
    ), (422 if errors else 200)
