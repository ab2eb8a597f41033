"""The live board's figures, and the cheap version tag that lets a projector poll them."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select

from marathon.clock import as_utc
from marathon.events.models import Event, HandCount
from marathon.events.service import event_totals
from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.tally.models import TallyCount

LATEST_LETTERS = 8


def board_etag(event: Event) -> str:
    """A tag (unquoted) that changes whenever the board would: one round trip of indexed aggregates.

    Letters and hand counts are append-only, so their highest ids plus the tally's sum and row
    count (a deleted letter lowers the sum) say whether anything moved since the last poll.
    """
    tally = (
        select(func.coalesce(func.sum(TallyCount.quantity), 0), func.count(TallyCount.id))
        .where(TallyCount.event_id == event.id)
        .subquery()
    )
    last_letter = select(func.max(Letter.id)).where(Letter.event_id == event.id).scalar_subquery()
    last_hand = (
        select(func.max(HandCount.id)).where(HandCount.event_id == event.id).scalar_subquery()
    )
    row = db.session.execute(select(tally, last_letter, last_hand)).one()
    parts = [*row, event.goal, event.title, event.closed, as_utc(event.ends_at).isoformat()]
    return hashlib.blake2s("|".join(map(str, parts)).encode(), digest_size=10).hexdigest()


def board_data(event: Event) -> dict[str, Any]:
    """Everything the board shows, as JSON-ready data: the event's totals and latest letters."""
    data = event_totals(event)
    names = {case["id"]: case["person"] for case in data["cases"]}
    latest = db.session.execute(
        select(Letter.id, Letter.display_name, Letter.case_id, Letter.kind, Letter.created_at)
        .where(Letter.event_id == event.id)
        .order_by(Letter.id.desc())
        .limit(LATEST_LETTERS)
    ).all()
    data["latest"] = [
        {
            "id": letter_id,
            "name": display_name or None,
            "case": names.get(case_id, ""),
            "kind": kind,
            "at": as_utc(created_at).isoformat(),
        }
        for letter_id, display_name, case_id, kind, created_at in latest
    ]
    return data
