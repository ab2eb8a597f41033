"""Privacy: a volunteer erases their letter; personal data is purged after the retention period.

Deleted is gone: the letter's personal fields, its PDF (a render finishing after the deletion
included: see :mod:`marathon.letters.storage`) and every print file holding it (those batches are
withdrawn, their coordinators told on the batch page: :mod:`marathon.batches.withdrawal`). The
letter stays counted as written.

The purge also sweeps what a deletion interrupted by a crash could leave: PDFs of deleted
letters, batches still holding one, batch files no batch refers to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from marathon.batches.withdrawal import (
    remove_unreferenced_files,
    withdraw_batches_holding,
    withdraw_batches_with_deleted_letters,
)
from marathon.cases.models import Case
from marathon.clock import utcnow
from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.letters.storage import locked_letter, remove_letter_files, stored_codes

CODE_CHUNK = 500


def erase_letter(letter: Letter | int) -> None:
    """Remove a letter's personal data, its PDF and the print files holding it (idempotent).

    ``letter``: the letter or its id. The letter stays counted as written.
    """
    letter_id = letter if isinstance(letter, int) else letter.id
    if _erase(letter_id):
        withdraw_batches_holding({letter_id}, "deleted")


def _erase(letter_id: int) -> bool:
    """Erase the letter's fields (marked deleted first, under its row's lock), then its files.

    A render storing its PDF takes the same lock and checks the mark (so it removes its own
    file), and the fixed path is removed here after the mark: whichever comes second removes
    the file. False if there is no such letter.
    """
    begin_write()
    try:
        letter = locked_letter(letter_id)
        if letter is None:
            db.session.rollback()
            return False
        code, recorded = letter.code, letter.pdf_path
        letter.sender_name = None
        letter.sender_town = None
        letter.sender_country = None
        letter.personal_sentence = None
        letter.body = None
        letter.display_name = None
        letter.share_first_name = False
        letter.pdf_path = None
        letter.purged_at = letter.purged_at or utcnow()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    remove_letter_files(code, recorded)
    return True


def retention_deadline(edition: int, retention_days: int) -> datetime:
    """When personal data of an edition's letters must be gone: days after the edition's end."""
    return datetime(edition, 12, 31, 23, 59, tzinfo=UTC) + timedelta(days=retention_days)


def purge_expired(now: datetime | None = None) -> int:
    """Erase the personal data of every letter past its edition's retention; returns how many.

    Then sweeps what deletions left behind (:func:`remove_deleted_leftovers`).
    """
    now = now or utcnow()
    retention_days = int(current_app.config["RETENTION_DAYS"])
    editions = db.session.scalars(select(Case.edition).distinct()).all()
    purged = 0
    for edition in editions:
        if retention_deadline(edition, retention_days) > now:
            continue
        letter_ids = db.session.scalars(
            select(Letter.id)
            .join(Case, Letter.case_id == Case.id)
            .where(Case.edition == edition, Letter.purged_at.is_(None))
            .order_by(Letter.id)
        ).all()
        db.session.rollback()
        purged_ids = {letter_id for letter_id in letter_ids if _erase(letter_id)}
        purged += len(purged_ids)
        if purged_ids:
            withdraw_batches_holding(purged_ids, "retention")
    remove_deleted_leftovers()
    return purged


def remove_deleted_leftovers() -> int:
    """Remove what deleted letters may have left (a process killed mid-way); how many files.

    PDFs (and render temp files) of deleted letters; the files of batches still holding a
    deleted letter (withdrawn); batch files no batch refers to.
    """
    removed = remove_pdfs_of_deleted_letters()
    withdraw_batches_with_deleted_letters()
    removed += remove_unreferenced_files()
    return removed


def remove_pdfs_of_deleted_letters() -> int:
    """Delete the files in the letters' folder of letters that are deleted; how many."""
    files = stored_codes()
    codes = sorted(files)
    removed = 0
    for start in range(0, len(codes), CODE_CHUNK):
        chunk = codes[start : start + CODE_CHUNK]
        deleted = db.session.scalars(
            select(Letter.code).where(Letter.code.in_(chunk), Letter.purged_at.is_not(None))
        ).all()
        db.session.rollback()
        for code in deleted:
            for path in files[code]:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
