"""Background jobs of the letters package. They take ids and reload what they need."""

from __future__ import annotations

import logging

from sqlalchemy import select

from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.letters.pdf import ensure_letter_pdf
from marathon.letters.storage import LetterGone

log = logging.getLogger(__name__)
SWEEP_CHUNK = 50


def render_letter(letter_id: int) -> None:
    """Render a letter's PDF once and keep it until it is printed (idempotent).

    A letter deleted before or while it renders gets no PDF (nothing to do, no error).
    """

    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.purged_at is not None:
        return
    try:
        ensure_letter_pdf(letter)
    except LetterGone:
        log.info("letter %s was deleted while it rendered: no PDF kept", letter_id)


def render_pending_letters() -> int:
    """Render every letter written and not rendered yet, oldest first; returns how many.

    Run through :func:`marathon.jobs.request_sweep` after letters are written: one run renders
    the letters of many requests. A letter that fails is logged (by id) and left for the next
    run or its batch; the run goes on with the others.
    """
    rendered = 0
    after = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Letter.id)
                .where(Letter.rendered_at.is_(None), Letter.purged_at.is_(None), Letter.id > after)
                .order_by(Letter.id)
                .limit(SWEEP_CHUNK)
            )
        )
        db.session.rollback()  # end the read: each render commits on its own
        if not ids:
            return rendered
        for letter_id in ids:
            after = letter_id
            try:
                render_letter(letter_id)
                rendered += 1
            except Exception:
                db.session.rollback()
                log.exception("letter %s could not be rendered", letter_id)
