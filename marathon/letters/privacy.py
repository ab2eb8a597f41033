"""Privacy: a volunteer erases their letter; personal data is purged after the retention period."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import Letter


def erase_letter(letter: Letter) -> None:
    """Remove a letter's personal data and its PDF; the letter stays counted as written."""
    from marathon.letters.storage import remove_letter_pdf

    begin_write()
    remove_letter_pdf(letter)
    letter.sender_name = None
    letter.sender_town = None
    letter.sender_country = None
    letter.personal_sentence = None
    letter.body = None
    letter.display_name = None
    letter.share_first_name = False
    letter.pdf_path = None
    letter.purged_at = datetime.now(UTC)
    db.session.commit()


def retention_deadline(edition: int, retention_days: int) -> datetime:
    """When personal data of an edition's letters must be gone: days after the edition's end."""
    from datetime import timedelta

    return datetime(edition, 12, 31, 23, 59, tzinfo=UTC) + timedelta(days=retention_days)


def purge_expired(now: datetime | None = None) -> int:
    """Erase the personal data of every letter past its edition's retention; returns how many."""
    from marathon.cases.models import Case

    now = now or datetime.now(UTC)
    retention_days = int(current_app.config["RETENTION_DAYS"])
    editions = db.session.scalars(select(Case.edition).distinct()).all()
    purged = 0
    for edition in editions:
        if retention_deadline(edition, retention_days) > now:
            continue
        letters = db.session.scalars(
            select(Letter)
            .join(Case, Letter.case_id == Case.id)
            .where(Case.edition == edition, Letter.purged_at.is_(None))
        ).all()
        purged_ids = set()
        for letter in letters:
            erase_letter(letter)
            purged_ids.add(letter.id)
            purged += 1
        if purged_ids:
            remove_batch_files(purged_ids)
    return purged


def remove_batch_files(letter_ids: set[int]) -> int:
    """Delete the print files of batches that hold any of these letters (they print names).

    The batch rows stay, with their counts; a reprint is no longer possible for purged letters.
    """
    from pathlib import Path

    from marathon.batches.models import Batch

    removed = 0
    storage = Path(current_app.config["STORAGE_DIR"])
    for batch in db.session.scalars(select(Batch).where(Batch.file_path.is_not(None))).all():
        if not letter_ids.intersection(batch.letter_ids or []):
            continue
        begin_write()
        (storage / str(batch.file_path)).unlink(missing_ok=True)
        batch.file_path = None
        batch.file_size = None
        db.session.commit()
        removed += 1
    return removed
