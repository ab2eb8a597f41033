"""Shared set-up of the events tests: a group, its coordinator, an admin, an event; logging in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marathon.accounts.service import create_user
from marathon.events import service

PASSWORD = "correct horse battery"


@dataclass
class World:
    group_id: int
    other_group_id: int
    event_id: int
    code: str
    closed_code: str
    other_event_id: int


def make_world(app) -> World:
    """Two groups, a coordinator each, an admin, an open event, a past event, another's event."""
    with app.app_context():
        group = service.create_group(name="Montréal", town="Montréal")
        other = service.create_group(name="Québec", town="Québec")
        create_user(
            email="coord@example.org",
            name="Chloé",
            password=PASSWORD,
            role="coordinator",
            group_id=group.id,
        )
        create_user(
            email="other@example.org",
            name="Olivier",
            password=PASSWORD,
            role="coordinator",
            group_id=other.id,
        )
        create_user(email="admin@example.org", name="Ada", password=PASSWORD, role="admin")
        now = datetime.now(UTC)
        event = service.create_event(
            group_id=group.id,
            title="Marathon de Montréal",
            place="Bibliothèque",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=5),
            goal=500,
        )
        past = service.create_event(
            group_id=group.id,
            title="Last year",
            place=None,
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=1),
        )
        theirs = service.create_event(
            group_id=other.id,
            title="Québec writes",
            place=None,
            starts_at=now,
            ends_at=now + timedelta(hours=3),
        )
        return World(group.id, other.id, event.id, event.join_code, past.join_code, theirs.id)


def login(client, email: str = "coord@example.org") -> None:
    """Log in through the real form (the test module turns CSRF off)."""
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
