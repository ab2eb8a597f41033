"""Letters written online."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marathon.cases.models import Case
from marathon.clock import utcnow
from marathon.extensions import db

LETTER_STATUSES = ("written", "printed", "sent")
PAPER_SIZES = ("a4", "letter")
# The side of a window envelope's window (appeal letters): DIN 5008 / US #10 left, French right.
WINDOW_SIDES = ("left", "right")
# Letters still to render: the render sweep finds them without scanning every letter written.
NOT_RENDERED = "rendered_at IS NULL AND purged_at IS NULL"


class Letter(db.Model):
    """A letter, card or postcard written in the app. Counted once; personal fields purgeable."""

    __tablename__ = "letter"
    __table_args__ = (
        Index(
            "ix_letter_not_rendered",
            "id",
            sqlite_where=text(NOT_RENDERED),
            postgresql_where=text(NOT_RENDERED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    private_token: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    paper: Mapped[str] = mapped_column(String(10), default="a4")
    # None: the section's LETTER_WINDOW setting; "left" or "right": the writer's own envelope.
    window: Mapped[str | None] = mapped_column(String(5))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), index=True)
    sender_name: Mapped[str | None] = mapped_column(String(120))
    sender_town: Mapped[str | None] = mapped_column(String(120))
    sender_country: Mapped[str | None] = mapped_column(String(120))
    personal_sentence: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    share_first_name: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="written", index=True)
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    pdf_pages: Mapped[int | None] = mapped_column(Integer)
    rendered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    case: Mapped[Case] = relationship()
