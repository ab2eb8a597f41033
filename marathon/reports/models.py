"""Reports imported from groups that ran an offline event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marathon.extensions import db
from marathon.models_base import utcnow


class ReportImport(db.Model):
    """One imported report file; its ``report_uid`` makes a second import count for nothing."""

    __tablename__ = "report_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_uid: Mapped[str] = mapped_column(String(64), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    checksum: Mapped[str] = mapped_column(String(128))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # What the file said, kept for the list of imports (the totals themselves are in the tally).
    edition: Mapped[int | None] = mapped_column(Integer)
    event_title: Mapped[str | None] = mapped_column(String(200))
    event_code: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
