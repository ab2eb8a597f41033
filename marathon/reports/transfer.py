"""Reports of offline events: exported on a laptop, imported by the section's instance.

The file format and its checks are in :mod:`marathon.reports.report_file`. Importing checks
everything first and changes nothing on any error; a report id imported once is never counted
again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from flask import has_request_context
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marathon.cases.models import Case
from marathon.database import begin_write
from marathon.events.models import Event, Group, HandCount
from marathon.extensions import db
from marathon.reports.models import ReportImport
from marathon.reports.report_file import (
    FORMAT,
    VERSION,
    ReportFileError,
    checksum,
)
from marathon.reports.text import tr
from marathon.tally.models import TallyCount
from marathon.tally.service import add_to_tally


@dataclass
class ImportResult:
    """What an import did: ``created`` False when the report had been imported before."""

    report_import: ReportImport
    created: bool
    quantity: int
    message: str


def build_report(event: Event) -> dict[str, Any]:
    """The report document of one event (its tally, by case, kind, language, channel, day)."""
    rows = db.session.execute(
        select(
            Case.slug,
            TallyCount.kind,
            TallyCount.language,
            TallyCount.channel,
            TallyCount.day,
            TallyCount.quantity,
        )
        .join(Case, Case.id == TallyCount.case_id)
        .where(TallyCount.event_id == event.id)
        .order_by(TallyCount.day, Case.slug, TallyCount.kind, TallyCount.language)
    ).all()
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "report_id": str(uuid.uuid4()),
        "edition": event.edition,
        "group": {"name": event.group.name},
        "event": {
            "title": event.title,
            "code": event.join_code,
            "starts_at": event.starts_at.isoformat(),
        },
        "totals": [
            {
                "case": slug,
                "kind": kind,
                "language": language,
                "channel": channel,
                "day": day.isoformat(),
                "quantity": int(quantity),
            }
            for slug, kind, language, channel, day, quantity in rows
            if quantity
        ],
        "created_at": datetime.now(UTC).isoformat(),
    }
    document["checksum"] = checksum(document)
    return document


def default_group(document: dict[str, Any]) -> Group | None:
    """The group named in the report, when this instance has one of that name."""
    return db.session.scalar(select(Group).where(Group.name == document["group"]["name"]))


def previous_import(report_uid: str) -> ReportImport | None:
    """The earlier import of this report id, if any."""
    return db.session.scalar(select(ReportImport).where(ReportImport.report_uid == report_uid))


def _day(moment: datetime) -> str:
    if has_request_context():
        return format_date(moment, "long")
    return moment.date().isoformat()


def _already(previous: ReportImport) -> str:
    return tr(
        _l(
            "This report was already imported on %(date)s; it was not counted again.",
            date=_day(previous.created_at),
        )
    )


def import_report(
    document: dict[str, Any], *, group_id: int | None = None, user_id: int | None = None
) -> ImportResult:
    """Add a validated report's totals to the tally, once, under ``group_id`` (one transaction).

    ``group_id`` None means the group with the report's name. The totals also become hand-count
    rows carrying ``report_import_id``, so every imported letter can be traced to its file.
    """
    begin_write()
    try:
        previous = previous_import(document["report_id"])
        if previous is not None:
            db.session.rollback()
            return ImportResult(previous, False, 0, _already(previous))
        group = db.session.get(Group, group_id) if group_id else default_group(document)
        if group is None:
            raise ReportFileError(
                [
                    tr(
                        _l(
                            "There is no group named %(name)s here: choose the group to "
                            "attribute this report to.",
                            name=document["group"]["name"],
                        )
                    )
                ]
            )
        event = db.session.scalar(
            select(Event).where(
                Event.join_code == document["event"]["code"],
                Event.group_id == group.id,
                Event.edition == document["edition"],
            )
        )
        case_ids = dict(
            db.session.execute(
                select(Case.slug, Case.id).where(Case.edition == document["edition"])
            ).all()
        )
        total = sum(line["quantity"] for line in document["totals"])
        record = ReportImport(
            report_uid=document["report_id"],
            group_id=group.id,
            checksum=document["checksum"],
            imported_by_id=user_id,
            edition=document["edition"],
            event_title=document["event"]["title"][:200],
            event_code=document["event"]["code"][:40],
            quantity=total,
        )
        db.session.add(record)
        db.session.flush()
        for line in document["totals"]:
            if not line["quantity"]:
                continue
            day = date.fromisoformat(line["day"])
            add_to_tally(
                edition=document["edition"],
                case_id=case_ids[line["case"]],
                kind=line["kind"],
                language=line["language"],
                channel=line["channel"],
                day=day,
                quantity=line["quantity"],
                event_id=event.id if event else None,
                group_id=group.id,
            )
            db.session.add(
                HandCount(
                    case_id=case_ids[line["case"]],
                    event_id=event.id if event else None,
                    group_id=group.id,
                    kind=line["kind"],
                    language=line["language"],
                    quantity=line["quantity"],
                    note=f"report {document['report_id']} ({line['channel']})",
                    entered_by_id=user_id,
                    report_import_id=record.id,
                    counted_on=datetime.combine(day, time(12, 0), tzinfo=UTC),
                )
            )
        db.session.commit()
    except IntegrityError:
        # Two imports of the same file at the same moment: the unique report_uid let one win.
        db.session.rollback()
        previous = previous_import(document["report_id"])
        if previous is None:
            raise
        return ImportResult(previous, False, 0, _already(previous))
    except Exception:
        db.session.rollback()
        raise
    message = tr(
        _l(
            "Imported %(n)s letters from %(event)s for the group %(group)s.",
            n=total,
            event=document["event"]["title"],
            group=group.name,
        )
    )
    return ImportResult(record, True, total, message)
