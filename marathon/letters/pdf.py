"""A letter's PDF: rendered once, stored, served again from disk."""

from __future__ import annotations

from marathon.letters.content import letter_content
from marathon.letters.models import Letter
from marathon.letters.storage import store_letter_pdf, stored_pdf
from marathon.render.letters import render_letter_pdf


def ensure_letter_pdf(letter: Letter) -> bytes:
    """The letter's PDF bytes, rendering and storing them if they are not on disk yet.

    :class:`marathon.letters.storage.LetterGone` if the letter is deleted meanwhile: nothing is
    kept (see :func:`marathon.letters.storage.store_letter_pdf`).
    """

    existing = stored_pdf(letter)
    if existing is not None:
        try:
            return existing.read_bytes()
        except FileNotFoundError:
            pass  # removed since (the letter deleted): rendering again finds out
    data = render_letter_pdf(letter_content(letter))
    store_letter_pdf(letter.id, letter.code, data)
    return data
