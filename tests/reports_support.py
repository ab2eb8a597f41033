"""Shared set-up of the reports tests: cases, groups, events, users, and counted letters.

Counts go through the real writers: ``add_to_tally`` for online letters (what write_letter does)
and the events service's ``add_hand_count`` for handwritten ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Flask
from flask.testing import FlaskClient

from marathon.accounts.service import create_user
from marathon.cases.models import Case
from marathon.clock import today_local
from marathon.events import service as events
from marathon.extensions import db
from marathon.groups import service as group_service
from marathon.tally.service import add_to_tally

PASSWORD = "correct horse battery"
EDITION = date.today().year  # hand counts are dated today: keep them inside the edition


@dataclass
class World:
    case_a: int
    case_b: int
    lyon: int
    brest: int
    event_lyon: int
    event_brest: int
    code_lyon: str
    code_brest: str
    hand_day: date


def make_case(slug: str, person: str, position: int, edition: int = EDITION) -> Case:
    case = Case(
        edition=edition,
        slug=slug,
        position=position,
        person=person,
        country="FR",
        themes=[],
        kinds=["appeal", "card", "postcard"],
        texts={"fr": {"title": person, "summary": f"Résumé de {person}"}},
    )
    db.session.add(case)
    db.session.commit()
    return case


def online(case_id: int, kind: str, language: str, day: date, quantity: int, event=None) -> None:
    """Online letters, counted as the letters service counts them (one transaction)."""
    add_to_tally(
        edition=EDITION,
        case_id=case_id,
        kind=kind,
        language=language,
        channel="online",
        day=day,
        quantity=quantity,
        event_id=event.id if event else None,
        group_id=event.group_id if event else None,
    )
    db.session.commit()


def make_world(app: Flask, *, users: bool = True) -> World:
    """Two cases, two groups with an event each, a coordinator each, an admin, and counts.

    Online: A appeal fr 3 (Lyon, Dec 10), B card en 2 (Lyon, Dec 10), A appeal fr 4 (Brest,
    Dec 12), A postcard fr 1 (no event, Dec 5). Handwritten (today): B card 5 (Lyon),
    A appeal 7 (Brest). Totals: 22; Lyon 10, Brest 11, none 1; A 15, B 7.
    """
    with app.app_context():
        a = make_case("alice-a", "Alice A.", 1)
        b = make_case("bruno-b", "Bruno B.", 2)
        lyon = group_service.create_group(name="Lyon", town="Lyon")
        brest = group_service.create_group(name="Brest", town="Brest")
        ev_lyon = events.create_event(
            group_id=lyon.id,
            title="Marathon de Lyon",
            place="MJC",
            starts_at=datetime(EDITION, 12, 10, 9, tzinfo=UTC),
            ends_at=datetime(EDITION, 12, 10, 18, tzinfo=UTC),
            edition=EDITION,
        )
        ev_brest = events.create_event(
            group_id=brest.id,
            title="Marathon de Brest",
            place=None,
            starts_at=datetime(EDITION, 12, 12, 9, tzinfo=UTC),
            ends_at=datetime(EDITION, 12, 12, 18, tzinfo=UTC),
            edition=EDITION,
        )
        if users:
            _make_users(lyon.id, brest.id)
        _count(a, b, ev_lyon, ev_brest)
        return World(
            case_a=a.id,
            case_b=b.id,
            lyon=lyon.id,
            brest=brest.id,
            event_lyon=ev_lyon.id,
            event_brest=ev_brest.id,
            code_lyon=ev_lyon.join_code,
            code_brest=ev_brest.join_code,
            hand_day=today_local(),
        )


def _make_users(lyon_id: int, brest_id: int) -> None:
    # scrypt makes each account cost ~0.3 s: tests that never log in skip them.
    create_user(
        email="lyon@example.org",
        name="Lou",
        password=PASSWORD,
        role="coordinator",
        group_id=lyon_id,
    )
    create_user(
        email="brest@example.org",
        name="Bran",
        password=PASSWORD,
        role="coordinator",
        group_id=brest_id,
    )
    create_user(email="admin@example.org", name="Ada", password=PASSWORD, role="admin")


def _count(a: Case, b: Case, ev_lyon, ev_brest) -> None:
    online(a.id, "appeal", "fr", date(EDITION, 12, 10), 3, ev_lyon)
    online(b.id, "card", "en", date(EDITION, 12, 10), 2, ev_lyon)
    online(a.id, "appeal", "fr", date(EDITION, 12, 12), 4, ev_brest)
    online(a.id, "postcard", "fr", date(EDITION, 12, 5), 1)
    events.add_hand_count(
        ev_lyon, case_id=b.id, kind="card", quantity=5, idempotency_key="h1", user_id=None
    )
    events.add_hand_count(
        ev_brest, case_id=a.id, kind="appeal", quantity=7, idempotency_key="h2", user_id=None
    )


def login(client: FlaskClient, email: str) -> None:
    """Log in through the real form (the test module disables CSRF)."""
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), response.data[:500]
