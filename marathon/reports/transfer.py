"""Reports of offline events: exported on a laptop, imported by the section's instance.

The file format and its checks are in :mod:`marathon.reports.report_file`. Importing checks
everything first and changes nothing on any error; a report id imported once is never counted
again, and a newer report of the same event replaces the earlier one instead of adding to it.
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
from marathon.clock import utcnow
from marathon.database import begin_write
from marathon.events.models import Event, Group, HandCount
from marathon.extensions import db
from marathon.i18n import tr
from marathon.reports.models import ReportImport
from marathon.reports.report_file import (
    FORMAT,
    VERSION,
    ReportFileError,
    checksum,
    event_key,
    exported_at,
)
from marathon.tally.models import CHANNELS, TallyCount
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
        "created_at": utcnow().isoformat(),
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
    rows carrying ``report_import_id``, so every imported letter can be traced to its file. A
    newer report of an event already imported replaces the earlier import (its counts are taken
    back in the same transaction); an older one is refused and changes nothing.
    """
    for attempt in range(2):
        try:
            return _import_once(document, group_id, user_id)
        except IntegrityError:
            # The same file, or another report of the same event, imported at the same moment:
            # the unique report id (or the one current import per event) let one win.
            db.session.rollback()
            previous = previous_import(_report_uid(document))
            if previous is not None:
                return ImportResult(previous, False, 0, _already(previous))
            if attempt == 1:
                raise
        except Exception:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _report_uid(document: dict[str, Any]) -> str:
    return str(uuid.UUID(document["report_id"]))


def _import_once(
    document: dict[str, Any], group_id: int | None, user_id: int | None
) -> ImportResult:
    begin_write()
    report_uid = _report_uid(document)
    previous = previous_import(report_uid)
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
    key = event_key(document)
    exported = exported_at(document)
    earlier = current_import_of(key)
    if earlier is not None and _not_newer(exported, earlier.exported_at):
        db.session.rollback()
        return ImportResult(earlier, False, 0, _older(earlier))
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
    replaced = take_back(earlier) if earlier is not None else 0
    total = sum(line["quantity"] for line in document["totals"])
    record = ReportImport(
        report_uid=report_uid,
        group_id=group.id,
        checksum=document["checksum"],
        imported_by_id=user_id,
        edition=document["edition"],
        event_title=document["event"]["title"][:200],
        event_code=document["event"]["code"][:40],
        quantity=total,
        event_key=key,
        exported_at=exported,
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
                note=_note(report_uid, line["channel"]),
                entered_by_id=user_id,
                report_import_id=record.id,
                counted_on=datetime.combine(day, time(12, 0), tzinfo=UTC),
            )
        )
    db.session.commit()
    values = {"n": total, "event": document["event"]["title"], "group": group.name}
    if earlier is None:
        message = tr(_l("Imported %(n)s letters from %(event)s for the group %(group)s.", **values))
    else:
        message = tr(
            _l(
                "Imported %(n)s letters from %(event)s for the group %(group)s. This newer "
                "report replaces the one imported on %(date)s: its %(replaced)s letters are "
                "no longer counted.",
                date=_day(earlier.created_at),
                replaced=replaced,
                **values,
            )
        )
    return ImportResult(record, True, total, message)


def current_import_of(key: str) -> ReportImport | None:
    """The import that counts for the event named by ``key`` (none replaced it), if any."""
    return db.session.scalar(
        select(ReportImport)
        .where(ReportImport.event_key == key, ReportImport.replaced_at.is_(None))
        .order_by(ReportImport.id.desc())
        .limit(1)
        .with_for_update()
    )


def take_back(earlier: ReportImport) -> int:
    """Subtract an import's counts from the tally and mark it replaced; returns its letters.

    Inside the caller's write transaction. What it added is read from its hand-count rows (what
    remains of them), which are then deleted.
    """
    rows = list(
        db.session.scalars(select(HandCount).where(HandCount.report_import_id == earlier.id))
    )
    for row in rows:
        add_to_tally(
            edition=earlier.edition or 0,
            case_id=row.case_id,
            kind=row.kind,
            language=row.language or "",
            channel=_channel_of(row.note),
            day=_counted_day(row.counted_on),
            quantity=-row.quantity,
            event_id=row.event_id,
            group_id=row.group_id,
        )
        db.session.delete(row)
    earlier.replaced_at = utcnow()
    db.session.flush()
    return sum(row.quantity for row in rows)


def _note(report_uid: str, channel: str) -> str:
    return f"report {report_uid} ({channel})"


def _channel_of(note: str | None) -> str:
    channel = (note or "").rpartition("(")[2].rstrip(")")
    return channel if channel in CHANNELS else "handwritten"


def _counted_day(moment: datetime) -> date:
    # Imported rows are counted at noon UTC of their day: the same day in every time zone.
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _not_newer(exported: datetime | None, earlier: datetime | None) -> bool:
    """True when a file exported at ``exported`` is not newer than one exported at ``earlier``."""
    if exported is None or earlier is None:
        return False  # a file that does not say when it was made: the last one imported wins
    return exported <= _aware(earlier)  # type: ignore[operator]


def _older(earlier: ReportImport) -> str:
    return tr(
        _l(
            "A newer report of this event was already imported on %(date)s; this older file "
            "was not counted. Nothing was changed.",
            date=_day(earlier.created_at),
        )
    )
