"""Groups' events and their handwritten counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marathon.clock import utcnow
from marathon.extensions import db
from marathon.groups.models import Group


class Event(db.Model):
    """A December event of a group, joined by its code."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    edition: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    goal: Mapped[int | None] = mapped_column(Integer)
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    group: Mapped[Group] = relationship()


class HandCount(db.Model):
    """Append-only: N handwritten letters or cards for a case at an event.

    Corrections are new rows, never edits.
    """

    __tablename__ = "hand_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    report_import_id: Mapped[int | None] = mapped_column(ForeignKey("report_import.id"))
    counted_on: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
