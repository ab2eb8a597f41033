"""Print batches: the database is the source of truth for their status and progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marathon.clock import utcnow
from marathon.extensions import db

BATCH_STATUSES = ("queued", "running", "done", "failed", "printed", "sent")
# Why a finished batch's files were deleted (see marathon/batches/withdrawal.py): a writer deleted
# a letter in it, or its letters' retention period is over.
WITHDRAWN_REASONS = ("deleted", "retention")


class Batch(db.Model):
    """A print job over a filter of letters (or the section's stock of cards)."""

    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(20))  # letters, postcards, labels
    paper: Mapped[str] = mapped_column(String(10), default="a4")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    filter_key: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The batch's one file on disk (relative to STORAGE_DIR): the ZIP (stored, uncompressed) of
    # its files, "download all"; deleting it deletes every printed name. Its size, checked by
    # every download; pages: of all its files together. Batches made before files were split
    # have a single PDF here.
    file_path: Mapped[str | None] = mapped_column(String(300))
    file_size: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    # The files of a finished batch, in order: the contents sheet ("00-contents.pdf", kind
    # "contents"), then one print file per kind and paper; or, for labels, the label sheets
    # (kind "labels"). Each is {"name": its name in the ZIP, "kind", "paper": the sheet, "path":
    # the ZIP holding it (relative to STORAGE_DIR), "size": its bytes, "pages", "two_sided",
    # "envelopes": [{"number", "kind", "count", "case", "case_slug", "destination": [lines],
    # "country", "sheets", "grams", "per_item", "languages", "file", "postage"}]}.
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    # Set when the batch's files were deleted because they printed a letter that is gone (the
    # batch keeps its status, counts and list of files; its downloads answer 410 and say why).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(20))
    # The letters the batch prints, frozen when it starts; once done, the letters its files hold
    # (a letter deleted before the files were made is left out).
    letter_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set with every progress update: a running batch whose heartbeat stops is stale (its worker
    # died) and may be requeued.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
