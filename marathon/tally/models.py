"""Pre-aggregated counters: one row per case, kind, language, channel, event, group, day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marathon.extensions import db
from marathon.models_base import BigCount

CHANNELS = ("online", "handwritten")


# The covering indexes of the reports: ``edition``, these columns, then ``quantity``. A crossing of
# two dimensions is read in the order of one of them, so SQLite sums the counters without sorting
# them all (see ``marathon.reports.queries``). By case: case x event, group, day, channel. By
# event: event x group x day, and channel, kind, language by one another or by event, group, day.
# Case x kind and case x language are read along the case order, a column per kind or language.
REPORT_INDEXES: dict[str, tuple[str, ...]] = {
    "ix_tally_count_by_case": (
        "case_id",
        "event_id",
        "group_id",
        "day",
        "channel",
        "kind",
        "language",
    ),
    "ix_tally_count_by_event": (
        "event_id",
        "group_id",
        "day",
        "channel",
        "kind",
        "language",
        "case_id",
    ),
}


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
        # Covering (quantity last): the reports read the index alone. Each one costs every letter
        # an index update: about 0.02-0.04 ms on SQLite (bench: 180,000 counters).
        *(Index(name, "edition", *columns, "quantity") for name, columns in REPORT_INDEXES.items()),
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
    # 64 bits: no sum of letters and bounded report files can reach it (32 bits could).
    quantity: Mapped[int] = mapped_column(BigCount, default=0)


# Dimension name -> its column in ``tally_count``, in the order reports offer them.
DIMENSION_COLUMNS: dict[str, Any] = {
    "case": TallyCount.case_id,
    "kind": TallyCount.kind,
    "language": TallyCount.language,
    "channel": TallyCount.channel,
    "event": TallyCount.event_id,
    "group": TallyCount.group_id,
    "day": TallyCount.day,
    "edition": TallyCount.edition,
}


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
    quantity: Mapped[int] = mapped_column(BigCount, default=0)
