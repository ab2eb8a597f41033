"""Joining an event by code or QR address; closed and unknown codes; letters count for the event."""

from __future__ import annotations

import uuid

import pytest

from marathon.events.joined import joined_event
from marathon.events.models import Event
from marathon.events.service import CODE_ALPHABET
from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.tally.models import TallyCount
from tests.factories import make_world

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


@pytest.fixture
def world(loaded_cases):
    return make_world(loaded_cases, past_event=True)


def test_join_codes_are_short_and_unambiguous(app, world):
    with app.app_context():
        codes = [event.join_code for event in db.session.scalars(db.select(Event))]
    for code in codes:
        assert 6 <= len(code) <= 8
        assert set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("O0I1L")


def test_qr_address_joins_the_event_and_the_session_remembers_it(client, app, world):
    response = client.get(f"/join/{world.code}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    page = client.get("/").get_data(as_text=True)
    assert "Marathon de Montréal" in page
    with client.session_transaction() as session:
        assert session["event_id"] == world.event_id
    with app.test_request_context():
        from flask import session

        session["event_id"] = world.event_id
        assert joined_event().id == world.event_id


def test_typed_code_ignores_case_spaces_and_dashes(client, world):
    typed = f" {world.code[:3].lower()}-{world.code[3:].lower()} "
    response = client.post("/join", data={"code": typed})
    assert response.status_code == 302
    client.get(response.headers["Location"])
    with client.session_transaction() as session:
        assert session["event_id"] == world.event_id


def test_empty_code_says_what_to_type(client, world):
    response = client.post("/join", data={"code": ""})
    assert response.status_code == 400
    assert "Type the code shown at the event" in response.get_data(as_text=True)


def test_unknown_code_says_so_and_still_lets_people_write(client, world):
    client.get(f"/join/{world.code}")
    response = client.get("/join/ZZZZZZ", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No event has the code ZZZZZZ" in html
    assert "you can still write" in html
    with client.session_transaction() as session:
        assert "event_id" not in session


def test_closed_event_says_so_and_letters_count_without_it(client, world):
    response = client.get(f"/join/{world.closed_code}", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "has ended" in html
    assert "count for the case" in html
    with client.session_transaction() as session:
        assert "event_id" not in session


def test_an_event_closed_after_joining_no_longer_counts(client, app, world):
    client.get(f"/join/{world.code}")
    with app.app_context():
        event = db.session.get(Event, world.event_id)
        event.closed = True
        db.session.commit()
    with app.test_request_context():
        from flask import session

        session["event_id"] = world.event_id
        assert joined_event() is None


def test_leaving_the_event(client, world):
    client.get(f"/join/{world.code}")
    response = client.post("/join/leave", follow_redirects=True)
    assert "You left the event" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "event_id" not in session


def _api_letter(client, **extra):
    payload = {
        "case": "damisoa",
        "kind": "appeal",
        "language": "fr",
        "sender_name": "Marie Curie",
        "sender_town": "Paris",
        "sender_country": "France",
        "share_first_name": True,
        **extra,
    }
    return client.post(
        "/api/v1/letters", json=payload, headers={"Idempotency-Key": uuid.uuid4().hex}
    )


def test_letters_through_the_api_count_for_the_event_and_its_group(client, app, world):
    assert _api_letter(client, event_code=world.code).status_code == 201
    assert _api_letter(client, event_code=world.closed_code).status_code == 201
    with app.app_context():
        letters = db.session.scalars(db.select(Letter).order_by(Letter.id)).all()
        assert [letter.event_id for letter in letters] == [world.event_id, None]
        assert letters[0].group_id == world.group_id
        rows = db.session.scalars(db.select(TallyCount)).all()
        assert sum(r.quantity for r in rows if r.event_id == world.event_id) == 1
        assert sum(r.quantity for r in rows) == 2


def test_a_letter_from_home_names_a_group_without_an_event(client, app, world):
    assert _api_letter(client, group_id=world.other_group_id).status_code == 201
    with app.app_context():
        row = db.session.scalars(db.select(TallyCount)).one()
        assert (row.event_id, row.group_id, row.quantity) == (0, world.other_group_id, 1)


def test_groups_for_select_lists_every_group(app, world):
    from marathon.groups.service import groups_for_select

    with app.app_context():
        assert groups_for_select() == [
            (world.group_id, "Montréal (Montréal)"),
            (world.other_group_id, "Québec (Québec)"),
        ]
