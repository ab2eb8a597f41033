"""The live board's figures, and the cheap version tag that lets a projector poll them."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import func, select

from marathon.clock import as_utc
from marathon.events.models import Event, HandCount
from marathon.events.service import event_cases, event_tally, is_open
from marathon.extensions import db
from marathon.kinds import KIND_NAMES
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
    """Everything the board shows, as JSON-ready data."""
    cases = event_cases(event)
    per_case: dict[int, int] = {case.id: 0 for case in cases}
    per_kind: dict[str, int] = dict.fromkeys(KIND_NAMES, 0)
    per_channel = {"online": 0, "handwritten": 0}
    by_case_kind: dict[tuple[int, str], dict[str, int]] = {}
    for case_id, kind, channel, total in event_tally(event):
        per_case[case_id] = per_case.get(case_id, 0) + total
        per_kind[kind] = per_kind.get(kind, 0) + total
        per_channel[channel] = per_channel.get(channel, 0) + total
        cell = by_case_kind.setdefault((case_id, kind), {"online": 0, "handwritten": 0})
        cell[channel] = cell.get(channel, 0) + total
    total = sum(per_channel.values())
    names = {case.id: case.person for case in cases}
    latest = db.session.execute(
        select(Letter.id, Letter.display_name, Letter.case_id, Letter.kind, Letter.created_at)
        .where(Letter.event_id == event.id)
        .order_by(Letter.id.desc())
        .limit(LATEST_LETTERS)
    ).all()
    goal = event.goal or 0
    return {
        "event": {
            "code": event.join_code,
            "title": event.title,
            "place": event.place,
            "goal": event.goal,
            "open": is_open(event),
        },
        "total": total,
        "goal": event.goal,
        "percent": min(100, round(100 * total / goal)) if goal else None,
        "online": per_channel.get("online", 0),
        "handwritten": per_channel.get("handwritten", 0),
        "kinds": per_kind,
        "cases": [
            {
                "id": case.id,
                "slug": case.slug,
                "person": case.person,
                "total": per_case.get(case.id, 0),
                "kinds": {
                    kind: sum(by_case_kind.get((case.id, kind), {}).values()) for kind in KIND_NAMES
                },
                "online": sum(
                    by_case_kind.get((case.id, kind), {}).get("online", 0) for kind in KIND_NAMES
                ),
                "handwritten": sum(
                    by_case_kind.get((case.id, kind), {}).get("handwritten", 0)
                    for kind in KIND_NAMES
                ),
            }
            for case in cases
        ],
        "latest": [
            {
                "id": letter_id,
                "name": display_name or None,
                "case": names.get(case_id, ""),
                "kind": kind,
                "at": as_utc(created_at).isoformat(),
            }
            for letter_id, display_name, case_id, kind, created_at in latest
        ],
    }
