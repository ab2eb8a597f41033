"""Background jobs of the letters package. They take ids and reload what they need."""

from __future__ import annotations

from marathon.extensions import db
from marathon.letters.models import Letter


def render_letter(letter_id: int) -> None:
    """Render a letter's PDF once and keep it until it is printed (idempotent)."""
    from marathon.letters.pdf import ensure_letter_pdf

    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.purged_at is not None:
        return
    ensure_letter_pdf(letter)
