"""Reports imported from groups that ran an offline event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from marathon.clock import utcnow
from marathon.extensions import db

CURRENT = "event_key IS NOT NULL AND replaced_at IS NULL"


class ReportImport(db.Model):
    """One imported report file; its ``report_uid`` makes a second import count for nothing.

    ``event_key`` names the event whatever the export (see ``report_file.event_key``): a newer
    report of the same event replaces this one (its counts are taken back, ``replaced_at`` set).
    """

    __tablename__ = "report_import"
    __table_args__ = (
        # One import counts per event: two reports of it imported at once cannot both count.
        Index(
            "uq_report_import_current_event",
            "event_key",
            unique=True,
            sqlite_where=text(CURRENT),
            postgresql_where=text(CURRENT),
        ),
    )

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
    event_key: Mapped[str | None] = mapped_column(String(64))
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
