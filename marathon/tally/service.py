"""Counting: add to the running totals atomically, and read them back cheaply."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marathon.database import begin_write
from marathon.extensions import db
from marathon.tally.models import TallyCount, TallyRollup


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
    # Straight on the session's connection: the ORM's execute adds nothing for Core statements.
    connection = db.session.connection()
    tally_upsert, rollup_upsert = _upserts(connection.dialect.name)
    connection.execute(tally_upsert, values)
    # The rollup rows are always written in the same order: concurrent writers take their row
    # locks in that order and never deadlock.
    connection.execute(
        rollup_upsert,
        [
            {"edition": edition, "dimension": dimension, "key": key, "quantity": quantity}
            for dimension, key in rollup_keys(values)
        ],
    )


_UPSERTS: dict[str, tuple[Any, Any]] = {}


def _upserts(dialect: str) -> tuple[Any, Any]:
    """The two upsert statements of a dialect, built once (Core, so no ORM work per letter)."""
    if dialect not in _UPSERTS:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        tally = TallyCount.__table__
        tally_upsert = insert(tally)
        tally_upsert = tally_upsert.on_conflict_do_update(
            index_elements=list(TALLY_KEY),
            set_={"quantity": tally.c.quantity + tally_upsert.excluded.quantity},
        )
        rollup = TallyRollup.__table__
        rollup_upsert = insert(rollup)
        rollup_upsert = rollup_upsert.on_conflict_do_update(
            index_elements=["edition", "dimension", "key"],
            set_={"quantity": rollup.c.quantity + rollup_upsert.excluded.quantity},
        )
        _UPSERTS[dialect] = (tally_upsert, rollup_upsert)
    return _UPSERTS[dialect]


TALLY_KEY = ("edition", "case_id", "kind", "language", "channel", "event_id", "group_id", "day")


def rollup_keys(values: dict) -> list[tuple[str, str]]:
    """The (dimension, key) rows of ``tally_rollup`` that one tally change adds to."""
    return [
        ("all", ""),
        ("case", str(values["case_id"])),
        ("kind", values["kind"]),
        ("language", values["language"]),
        ("channel", values["channel"]),
        ("event", str(values["event_id"])),
        ("group", str(values["group_id"])),
        ("day", values["day"].isoformat()),
    ]


def rollup_totals(edition: int, dimension: str) -> dict[str, int]:
    """The edition's totals by one dimension, from the rollup (key as text -> letters)."""
    rows = db.session.execute(
        select(TallyRollup.key, TallyRollup.quantity).where(
            TallyRollup.edition == edition, TallyRollup.dimension == dimension
        )
    )
    return {key: int(quantity) for key, quantity in rows}


def rebuild_rollup() -> int:
    """Recompute ``tally_rollup`` from ``tally_count`` (after a bulk load); returns its rows."""
    from sqlalchemy import delete

    begin_write()
    db.session.execute(delete(TallyRollup))
    columns = {
        "all": None,
        "case": TallyCount.case_id,
        "kind": TallyCount.kind,
        "language": TallyCount.language,
        "channel": TallyCount.channel,
        "event": TallyCount.event_id,
        "group": TallyCount.group_id,
        "day": TallyCount.day,
    }
    count = 0
    for dimension, column in columns.items():
        keys = [column] if column is not None else []
        rows = db.session.execute(
            select(TallyCount.edition, *keys, func.sum(TallyCount.quantity)).group_by(
                TallyCount.edition, *keys
            )
        ).all()
        for row in rows:
            key = "" if column is None else row[1]
            key = key.isoformat() if hasattr(key, "isoformat") else str(key)
            db.session.add(
                TallyRollup(
                    edition=row[0], dimension=dimension, key=key, quantity=int(row[-1] or 0)
                )
            )
            count += 1
    db.session.commit()
    return count


def case_totals(edition: int) -> dict[int, int]:
    """Letters per case of an edition, online and handwritten together."""
    return {int(key): total for key, total in rollup_totals(edition, "case").items()}


def case_total(case_id: int) -> int:
    """Letters for one case, online and handwritten together."""
    total = db.session.scalar(
        select(func.sum(TallyRollup.quantity)).where(
            TallyRollup.dimension == "case", TallyRollup.key == str(case_id)
        )
    )
    return max(int(total or 0), 0)
