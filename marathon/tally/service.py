"""Counting: add to the running totals atomically, and read them back cheaply."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marathon.database import begin_write
from marathon.extensions import db
from marathon.prepared import PreparedStatement, db_date, raw_connection
from marathon.tally.models import (
    DIMENSION_COLUMNS,
    ROLLUP_DIMENSIONS,
    TallyCount,
    TallyRollup,
)


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
    raw = raw_connection()
    values = {
        "edition": edition,
        "case_id": case_id,
        "kind": kind,
        "language": language or "",
        "channel": channel,
        "event_id": event_id or 0,
        "group_id": group_id or 0,
        "day": db_date(day, raw),
        "quantity": quantity,
    }
    TALLY_UPSERT.execute(values, on=raw).close()
    # The rollup rows are always written in the same order: concurrent writers take their row
    # locks in that order and never deadlock.
    ROLLUP_UPSERT.executemany(
        (
            {"edition": edition, "dimension": dimension, "key": key, "quantity": quantity}
            for dimension, key in rollup_keys({**values, "day": day})
        ),
        on=raw,
    )


def _tally_upsert(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    tally = TallyCount.__table__
    statement = insert(tally).values({name: bindparam(name) for name in (*TALLY_KEY, "quantity")})
    return statement.on_conflict_do_update(
        index_elements=list(TALLY_KEY),
        set_={"quantity": tally.c.quantity + statement.excluded.quantity},
    )


def _rollup_upsert(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rollup = TallyRollup.__table__
    statement = insert(rollup).values(
        {name: bindparam(name) for name in ("edition", "dimension", "key", "quantity")}
    )
    return statement.on_conflict_do_update(
        index_elements=["edition", "dimension", "key"],
        set_={"quantity": rollup.c.quantity + statement.excluded.quantity},
    )


# Run on the raw cursor: every letter and hand count goes through them (see marathon.prepared).
TALLY_UPSERT = PreparedStatement(_tally_upsert)
ROLLUP_UPSERT = PreparedStatement(_rollup_upsert)


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
    columns = {dimension: DIMENSION_COLUMNS.get(dimension) for dimension in ROLLUP_DIMENSIONS}
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
