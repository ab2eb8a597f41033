"""Events, join codes, hand counts: the state changes and the queries of events."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from marathon.cases.models import Case
from marathon.clock import as_utc, local_to_utc, today_local, utcnow
from marathon.codes import CODE_ALPHABET
from marathon.database import begin_write
from marathon.editions import current_edition
from marathon.events.models import Event, HandCount
from marathon.extensions import db
from marathon.groups.service import group_exists
from marathon.kinds import KIND_NAMES
from marathon.prepared import PreparedStatement, RawConnection, read_datetime
from marathon.tally.models import TallyCount
from marathon.tally.service import add_to_tally

CODE_LENGTH = 6
MAX_HAND_COUNT = 10_000


class EventError(ValueError):
    """A change that was refused; the message says what to fix."""


def is_open(event: Event) -> bool:
    """Whether letters can still be counted for ``event``."""
    return _still_open(event.closed, event.ends_at)


def _still_open(closed: bool, ends_at: datetime) -> bool:
    return not closed and as_utc(ends_at) > utcnow()


# -- events ----------------------------------------------------------------------------------


def new_join_code() -> str:
    """A fresh random code not used by any event."""
    for _attempt in range(50):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Event.id).where(Event.join_code == code)) is None:
            return code
    raise RuntimeError("could not find a free join code")


def clean_join_code(code: str | None) -> str:
    """A join code as stored: upper case, letters and digits only (dashes and spaces dropped)."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:12]


def event_by_code(code: str) -> Event | None:
    """The event with this join code (case and dashes ignored), or None."""
    cleaned = clean_join_code(code)
    if not cleaned:
        return None
    return db.session.scalar(select(Event).where(Event.join_code == cleaned))


def _open_event_select(_dialect: str) -> Any:
    events = Event.__table__
    return select(events.c.id, events.c.group_id, events.c.closed, events.c.ends_at).where(
        events.c.join_code == bindparam("code")
    )


_OPEN_EVENT = PreparedStatement(_open_event_select)


def open_event_ids(code: str, *, on: RawConnection | None = None) -> tuple[int, int] | None:
    """(event id, group id) of the open event with this join code, else None.

    The write path's look-up: a prepared statement on the raw cursor (it runs for every letter).
    """
    cleaned = clean_join_code(code)
    if not cleaned:
        return None
    cursor = _OPEN_EVENT.execute({"code": cleaned}, on=on)
    row = cursor.fetchone()
    cursor.close()
    if row is None:
        return None
    event_id, group_id, closed, ends_at = row
    if not _still_open(bool(closed), read_datetime(ends_at)):
        return None
    return event_id, group_id


def _check_event_fields(
    title: str, starts_at: datetime, ends_at: datetime, goal: int | None
) -> None:
    if not (title or "").strip():
        raise EventError(_("Give the event a title."))
    if ends_at <= starts_at:
        raise EventError(_("The event must end after it starts."))
    if goal is not None and goal < 1:
        raise EventError(_("The goal must be a number of letters above zero, or left empty."))


def create_event(
    *,
    group_id: int,
    title: str,
    place: str | None,
    starts_at: datetime,
    ends_at: datetime,
    goal: int | None = None,
    edition: int | None = None,
) -> Event:
    """Create an event with a fresh join code. Times are naive local times or aware ones."""
    starts, ends = local_to_utc(starts_at), local_to_utc(ends_at)
    _check_event_fields(title, starts, ends, goal)
    if not group_exists(group_id):
        raise EventError(_("Choose one of the groups."))
    begin_write()
    event = Event(
        group_id=group_id,
        edition=edition or current_edition(),
        title=title.strip(),
        place=(place or "").strip() or None,
        starts_at=starts,
        ends_at=ends,
        goal=goal,
        join_code=new_join_code(),
    )
    db.session.add(event)
    db.session.commit()
    return event


def update_event(
    event: Event,
    *,
    title: str,
    place: str | None,
    starts_at: datetime,
    ends_at: datetime,
    goal: int | None,
    closed: bool,
) -> Event:
    """Change an event's details; the join code never changes (posters are printed)."""
    starts, ends = local_to_utc(starts_at), local_to_utc(ends_at)
    _check_event_fields(title, starts, ends, goal)
    begin_write()
    event.title = title.strip()
    event.place = (place or "").strip() or None
    event.starts_at, event.ends_at = starts, ends
    event.goal, event.closed = goal, closed
    db.session.commit()
    return event


def events_for(group_ids: Sequence[int] | None) -> list[Event]:
    """Events of these groups (None: all), latest first."""
    query = select(Event).order_by(Event.starts_at.desc(), Event.id.desc())
    if group_ids is not None:
        query = query.where(Event.group_id.in_(list(group_ids)))
    return list(db.session.scalars(query))


# -- joining ---------------------------------------------------------------------------------


def event_counts_by_group() -> dict[int, int]:
    """How many events each group has had (groups without one are absent)."""
    rows = db.session.execute(select(Event.group_id, func.count()).group_by(Event.group_id))
    return {group_id: count for group_id, count in rows}


def join_status(code: str) -> tuple[Event | None, str]:
    """The event a typed or scanned code names, and whether letters can count for it:
    (event, "joined"), (event, "closed") or (None, "unknown")."""
    event = event_by_code(code)
    if event is None:
        return None, "unknown"
    return event, ("joined" if is_open(event) else "closed")


def open_event(event_id: object) -> Event | None:
    """The event of ``event_id`` (as a session kept it) while it is open, else None."""
    if not isinstance(event_id, int) or isinstance(event_id, bool):
        return None
    event = db.session.get(Event, event_id)
    if event is None or not is_open(event):
        return None
    return event


# -- hand counts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HandCountResult:
    """What an entry did: the row, whether it is new, and the new total of that case and kind."""

    entry: HandCount
    created: bool
    total: int


def event_cases(event: Event) -> list[Case]:
    """The cases of the event's edition, in catalogue order."""
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.edition == event.edition, Case.active.is_(True))
            .order_by(Case.position, Case.person)
        )
    )


def case_kinds(case: Case) -> list[str]:
    """The kinds a case offers (all, when the case file says nothing)."""
    return [kind for kind in KIND_NAMES if kind in (case.kinds or KIND_NAMES)]


def _hand_total(event_id: int, case_id: int, kind: str) -> int:
    total = db.session.scalar(
        select(func.coalesce(func.sum(HandCount.quantity), 0)).where(
            HandCount.event_id == event_id, HandCount.case_id == case_id, HandCount.kind == kind
        )
    )
    return int(total or 0)


def add_hand_count(
    event: Event,
    *,
    case_id: int,
    kind: str,
    quantity: int,
    idempotency_key: str,
    user_id: int | None,
    note: str | None = None,
) -> HandCountResult:
    """Append "N handwritten letters for a case at an event", counted once per key.

    Negative quantities correct earlier entries; the total of a case and kind at the event never
    goes below zero. The check, the entry and the tally change share one write transaction, and
    the event row is locked (PostgreSQL) so two corrections cannot both pass the check.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 80:
        raise EventError(_("This form is incomplete. Reload the page and enter the number again."))
    if kind not in KIND_NAMES:
        raise EventError(_("Choose letters, cards or postcards."))
    if quantity == 0 or abs(quantity) > MAX_HAND_COUNT:
        raise EventError(
            _(
                "Enter a number between 1 and %(max)s (or below zero to correct).",
                max=MAX_HAND_COUNT,
            )
        )
    case = db.session.get(Case, case_id)
    if case is None or case.edition != event.edition:
        raise EventError(_("Choose one of this edition's cases."))
    if kind not in case_kinds(case):
        raise EventError(_("This case has no %(kind)s to count.", kind=kind))
    event_id, group_id, edition = event.id, event.group_id, event.edition
    begin_write()
    try:
        db.session.execute(select(Event.id).where(Event.id == event_id).with_for_update())
        existing = db.session.scalar(select(HandCount).where(HandCount.idempotency_key == key))
        if existing is not None:
            total = _hand_total(existing.event_id or 0, existing.case_id, existing.kind)
            db.session.commit()
            return HandCountResult(existing, False, total)
        total = _hand_total(event_id, case_id, kind) + quantity
        if total < 0:
            raise EventError(
                _(
                    "That would bring the count below zero: only %(n)s were entered so far.",
                    n=total - quantity,
                )
            )
        entry = HandCount(
            case_id=case_id,
            event_id=event_id,
            group_id=group_id,
            kind=kind,
            quantity=quantity,
            note=(note or "").strip() or None,
            idempotency_key=key,
            entered_by_id=user_id,
        )
        db.session.add(entry)
        add_to_tally(
            edition=edition,
            case_id=case_id,
            kind=kind,
            language="",
            channel="handwritten",
            day=today_local(),
            quantity=quantity,
            event_id=event_id,
            group_id=group_id,
        )
        db.session.commit()
    except IntegrityError:
        # The same key committed by a concurrent request between our check and our insert.
        db.session.rollback()
        existing = db.session.scalar(select(HandCount).where(HandCount.idempotency_key == key))
        if existing is None:
            raise
        return HandCountResult(
            existing, False, _hand_total(event_id, existing.case_id, existing.kind)
        )
    except Exception:
        db.session.rollback()
        raise
    return HandCountResult(entry, True, total)


def hand_totals(event: Event) -> dict[tuple[int, str], int]:
    """Handwritten totals of the event by (case id, kind)."""
    rows = db.session.execute(
        select(HandCount.case_id, HandCount.kind, func.sum(HandCount.quantity))
        .where(HandCount.event_id == event.id)
        .group_by(HandCount.case_id, HandCount.kind)
    )
    return {(case_id, kind): int(total or 0) for case_id, kind, total in rows}


def hand_count_history(event: Event, limit: int = 200) -> list[HandCount]:
    """The event's entries, newest first."""
    return list(
        db.session.scalars(
            select(HandCount)
            .where(HandCount.event_id == event.id)
            .order_by(HandCount.id.desc())
            .limit(limit)
        )
    )


def event_tally(event: Event) -> list[tuple[int, str, str, int]]:
    """(case id, kind, channel, total) of the event, from the pre-aggregated tally."""
    rows = db.session.execute(
        select(
            TallyCount.case_id, TallyCount.kind, TallyCount.channel, func.sum(TallyCount.quantity)
        )
        .where(TallyCount.event_id == event.id)
        .group_by(TallyCount.case_id, TallyCount.kind, TallyCount.channel)
    )
    return [(case_id, kind, channel, int(total or 0)) for case_id, kind, channel, total in rows]


def event_totals(event: Event) -> dict[str, Any]:
    """The event's counts, JSON-ready: in all, against its goal, by case, kind and channel."""
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
    }
