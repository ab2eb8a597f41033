"""A letter's PDF: rendered once, stored, served again from disk."""

from __future__ import annotations

from datetime import UTC, datetime

from pypdf import PdfReader

from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.letters.storage import (
    letter_pdf_relative_path,
    storage_root,
    stored_pdf,
    write_atomically,
)


def ensure_letter_pdf(letter: Letter) -> bytes:
    """The letter's PDF bytes, rendering and storing them if they are not on disk yet."""
    from marathon.letters.content import letter_content
    from marathon.render.letters import render_letter_pdf

    existing = stored_pdf(letter)
    if existing is not None:
        return existing.read_bytes()
    data = render_letter_pdf(letter_content(letter))
    relative = letter_pdf_relative_path(letter)
    write_atomically(storage_root() / relative, data)
    pages = len(PdfReader(storage_root() / relative).pages)
    letter_id = letter.id
    begin_write()
    stored = db.session.get(Letter, letter_id)
    if stored is not None:
        stored.pdf_path = relative
        stored.pdf_pages = pages
        stored.rendered_at = datetime.now(UTC)
    db.session.commit()
    return data
