"""The event a visitor joined, kept in their session (views' side: the session is theirs)."""

from __future__ import annotations

from flask import session

from marathon.events.models import Event
from marathon.events.service import join_status, open_event

SESSION_KEY = "event_id"


def join(code: str) -> tuple[Event | None, str]:
    """Remember the event of ``code`` while it is open; (event, joined | closed | unknown)."""
    event, status = join_status(code)
    if status == "joined" and event is not None:
        session[SESSION_KEY] = event.id
    else:
        session.pop(SESSION_KEY, None)
    return event, status


def leave() -> None:
    """Forget the joined event: the next letters count without it."""
    session.pop(SESSION_KEY, None)


def joined_event() -> Event | None:
    """The event the visitor joined, None if none or closed since."""
    return open_event(session.get(SESSION_KEY))
