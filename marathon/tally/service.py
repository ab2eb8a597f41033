"""Counting: add to the running totals atomically, and read them back cheaply."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marathon.extensions import db
from marathon.tally.models import TallyCount


def add_to_tally(
    *,
    edition: int,
    case_id: int,
    kind: str,
    language: str,
    channel: str,
    day: date,
    quantity: int,
    event_id: int | None = None,
    group_id: int | None = None,
) -> None:
    """Add ``quantity`` to one counter, inside the caller's transaction (an upsert, race-free)."""
    values = {
        "edition": edition,
        "case_id": case_id,
        "kind": kind,
        "language": language or "",
        "channel": channel,
        "event_id": event_id or 0,
        "group_id": group_id or 0,
        "day": day,
        "quantity": quantity,
    }
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(TallyCount).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[
            "edition",
            "case_id",
            "kind",
            "language",
            "channel",
            "event_id",
            "group_id",
            "day",
        ],
        set_={"quantity": TallyCount.quantity + statement.excluded.quantity},
    )
    db.session.execute(statement)


def case_totals(edition: int) -> dict[int, int]:
    """Letters per case of an edition, online and handwritten together."""
    rows = db.session.execute(
        select(TallyCount.case_id, func.sum(TallyCount.quantity))
        .where(TallyCount.edition == edition)
        .group_by(TallyCount.case_id)
    )
    return {case_id: int(total or 0) for case_id, total in rows}


def case_total(case_id: int) -> int:
    """Letters for one case, online and handwritten together."""
    total = db.session.scalar(
        select(func.sum(TallyCount.quantity)).where(TallyCount.case_id == case_id)
    )
    return max(int(total or 0), 0)
