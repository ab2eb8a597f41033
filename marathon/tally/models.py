"""Pre-aggregated counters: one row per case, kind, language, channel, event, group, day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marathon.extensions import db

CHANNELS = ("online", "handwritten")


class TallyCount(db.Model):
    """How many letters one combination of dimensions holds.

    Incremented in the same transaction as the letter or hand count it counts, so it is exact.
    ``event_id`` and ``group_id`` use 0 for "none": NULLs would never collide in the unique key.
    """

    __tablename__ = "tally_count"
    __table_args__ = (
        UniqueConstraint(
            "edition",
            "case_id",
            "kind",
            "language",
            "channel",
            "event_id",
            "group_id",
            "day",
            name="uq_tally_count_key",
        ),
        # Covering index for reports: every totals query filters on edition and sums quantity,
        # so SQLite and PostgreSQL answer from the index alone (1.1 s -> 0.07 s at 180k rows).
        Index(
            "ix_tally_count_report",
            "edition",
            "case_id",
            "kind",
            "language",
            "channel",
            "event_id",
            "group_id",
            "day",
            "quantity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[int] = mapped_column(Integer, index=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(12))
    event_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    group_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    day: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer, default=0)


# The single dimensions kept in ``tally_rollup``: a total by one of them never scans the tally.
ROLLUP_DIMENSIONS = ("all", "case", "kind", "language", "channel", "event", "group", "day")


class TallyRollup(db.Model):
    """The edition's total by one dimension (one row per value), beside the detailed counters.

    Kept in the same transaction as ``tally_count``, so totals pages and the public counter cost
    the same at a thousand letters as at a million. Crossings of two dimensions read
    ``tally_count``. ``key`` is the value as text: an id, a kind, an ISO day, "" for "all".
    """

    __tablename__ = "tally_rollup"
    __table_args__ = (UniqueConstraint("edition", "dimension", "key", name="uq_tally_rollup_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
