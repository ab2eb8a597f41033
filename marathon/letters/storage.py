"""Where letters' PDFs live: STORAGE_DIR/letters/<code>.pdf, written atomically.

A PDF is kept only for a letter that is not deleted. Storing it writes the file (under a temp
name, renamed when whole), then, in a write transaction holding the letter's row, checks the
letter again: deleted meanwhile, the file is removed at once and :class:`LetterGone` raised.
Deleting a letter (:mod:`marathon.privacy.service`) marks the row first, then removes the file at
its fixed path. Whichever of the two comes second removes the file, so a render finishing after
the deletion never leaves one behind.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from marathon.clock import utcnow
from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.storage import LETTERS_DIR, letters_dir, storage_root, write_atomically


class LetterGone(LookupError):
    """The letter was deleted while its PDF was being made: no PDF was kept."""

    def __init__(self, letter_id: int) -> None:
        super().__init__(letter_id)
        self.letter_id = letter_id

    def __str__(self) -> str:
        return f"letter {self.letter_id} was deleted"


def pdf_relative_path(code: str) -> str:
    """The path, relative to the storage directory, of the PDF of the letter of ``code``."""
    return f"{LETTERS_DIR}/{code}.pdf"


def stored_pdf(letter: Letter) -> Path | None:
    """The letter's stored PDF, if it exists on disk."""
    if not letter.pdf_path:
        return None
    path = storage_root() / letter.pdf_path
    return path if path.is_file() else None


def locked_letter(letter_id: int) -> Letter | None:
    """The letter's row, freshly read and locked until the write transaction ends.

    Storing a PDF and deleting a letter both take this lock, so whichever comes second sees the
    other's work (and removes the file).
    """
    return db.session.scalars(
        select(Letter)
        .where(Letter.id == letter_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def store_letter_pdf(letter_id: int, code: str, data: bytes) -> None:
    """Keep ``data`` as the PDF of letter ``letter_id`` and record it; :class:`LetterGone` if
    the letter was deleted meanwhile (its file is then removed before this returns)."""
    relative = pdf_relative_path(code)
    pages = len(PdfReader(BytesIO(data)).pages)
    path = storage_root() / relative
    try:
        write_atomically(path, data)
    except FileNotFoundError:
        # The purge's sweep removed the temp file of a letter deleted meanwhile?
        if _is_deleted(letter_id):
            raise LetterGone(letter_id) from None
        raise
    begin_write()
    try:
        letter = locked_letter(letter_id)
        if letter is None or letter.purged_at is not None:
            path.unlink(missing_ok=True)  # under the row's lock: the deletion has committed
            raise LetterGone(letter_id)
        letter.pdf_path = relative
        letter.pdf_pages = pages
        letter.rendered_at = utcnow()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _is_deleted(letter_id: int) -> bool:
    purged_at = db.session.execute(select(Letter.purged_at).where(Letter.id == letter_id)).first()
    db.session.rollback()
    return purged_at is None or purged_at[0] is not None


def remove_letter_files(code: str, recorded: str | None = None) -> None:
    """Delete the PDF of the letter of ``code``: at its fixed path, and at the path recorded
    (``recorded``, if another). A render writing its temp file now removes it itself (see
    :func:`store_letter_pdf`); one killed mid-way leaves it to the purge's sweep."""
    root = storage_root()
    paths = {root / pdf_relative_path(code)}
    if recorded:
        paths.add(root / recorded)
    for path in paths:
        path.unlink(missing_ok=True)


def stored_codes() -> dict[str, list[Path]]:
    """Every letter code with a file in the letters' folder (its PDF or a render's temp file)."""
    folder = letters_dir()
    found: dict[str, list[Path]] = {}
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        name = path.name
        if name.startswith(".") and name.endswith(".tmp"):
            code = name[1:].split(".pdf.", 1)[0]
        elif name.endswith(".pdf") and not name.startswith("."):
            code = name[: -len(".pdf")]
        else:
            continue
        found.setdefault(code, []).append(path)
    return found
