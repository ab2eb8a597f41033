"""Groups and events: who may create and change them, the event page, QR code and poster."""

from __future__ import annotations

import pytest

from marathon.events.models import Event
from marathon.extensions import db
from marathon.groups.models import Group
from tests.factories import make_world

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


@pytest.fixture
def world(loaded_cases):
    return make_world(loaded_cases, past_event=True)


EVENT_FORM = {
    "title": "Écrire à la médiathèque",
    "place": "Médiathèque, Lyon",
    "starts_at": "2025-12-06T10:00",
    "ends_at": "2025-12-06T18:00",
    "goal": "300",
}


def test_admin_creates_a_group(client, app, world, auth):
    auth.login("admin@example.org")
    response = client.post("/events/groups", data={"name": "Lyon", "town": "Lyon"})
    assert response.status_code == 302
    duplicate = client.post("/events/groups", data={"name": "Lyon"})
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Group.id))) == 3


def test_a_coordinator_may_not_create_groups(client, world, auth):
    auth.login("coord@example.org")
    assert client.post("/events/groups", data={"name": "Mine"}).status_code == 403


def test_a_coordinator_creates_an_event_for_their_group_in_local_time(client, app, world, auth):
    auth.login("coord@example.org")
    form = client.get("/events/new").get_data(as_text=True)
    assert f'name="group_id" value="{world.group_id}"' in form
    response = client.post("/events/new", data={**EVENT_FORM, "group_id": world.group_id})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalars(db.select(Event).order_by(Event.id.desc())).first()
        assert event.group_id == world.group_id and event.goal == 300
        # Paris is UTC+1 in December.
        assert event.starts_at.replace(tzinfo=None).hour == 9
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert event.join_code in page and "qr.svg" in page


def test_a_coordinator_cannot_create_for_another_group(client, app, world, auth):
    auth.login("coord@example.org")
    response = client.post("/events/new", data={**EVENT_FORM, "group_id": world.other_group_id})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Event.id))) == 3


def test_the_end_must_come_after_the_start(client, world, auth):
    auth.login("coord@example.org")
    data = {**EVENT_FORM, "group_id": world.group_id, "ends_at": "2025-12-06T09:00"}
    response = client.post("/events/new", data=data)
    assert response.status_code == 400
    assert "must end after it starts" in response.get_data(as_text=True)


def test_editing_keeps_the_code_and_can_close(client, app, world, auth):
    auth.login("coord@example.org")
    page = client.get(f"/events/{world.event_id}/edit")
    assert page.status_code == 200
    data = {**EVENT_FORM, "group_id": world.group_id, "closed": "y"}
    assert client.post(f"/events/{world.event_id}/edit", data=data).status_code == 302
    with app.app_context():
        event = db.session.get(Event, world.event_id)
        assert event.closed and event.join_code == world.code and event.title == EVENT_FORM["title"]


@pytest.mark.parametrize(
    "path", ["/events/{id}", "/events/{id}/edit", "/events/{id}/poster", "/events/{id}/hand-counts"]
)
def test_each_event_page_by_role(client, world, path, auth):
    url = path.format(id=world.event_id)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    auth.login("other@example.org")
    assert client.get(url).status_code == 403
    client.post("/logout")
    auth.login("coord@example.org")
    assert client.get(url).status_code == 200
    client.post("/logout")
    auth.login("admin@example.org")
    assert client.get(url).status_code == 200


def test_the_list_shows_only_the_coordinators_events(client, world, auth):
    auth.login("coord@example.org")
    html = client.get("/events/").get_data(as_text=True)
    assert "Marathon de Montréal" in html and "Québec writes" not in html


def test_qr_code_is_svg_of_the_join_address(client, world):
    response = client.get(f"/events/{world.code}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data


def test_poster_shows_code_qr_and_address(client, world, auth):
    auth.login("coord@example.org")
    html = client.get(f"/events/{world.event_id}/poster").get_data(as_text=True)
    assert world.code in html and f"/join/{world.code}" in html and "qr.svg" in html


def test_event_page_after_the_day_splits_online_and_handwritten(client, app, world, auth):
    import uuid

    from marathon.cases.models import Case

    auth.login("coord@example.org")
    with app.app_context():
        case_id = db.session.scalar(db.select(Case.id).where(Case.slug == "damisoa"))
    client.post(
        f"/events/{world.event_id}/hand-counts",
        data={"case_id": case_id, "kind": "card", "quantity": "7", "idempotency_key": "x" * 10},
    )
    client.post(
        "/api/v1/letters",
        json={
            "case": "damisoa",
            "kind": "appeal",
            "language": "fr",
            "sender_name": "Marie",
            "sender_town": "Paris",
            "sender_country": "France",
            "event_code": world.code,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    html = client.get(f"/events/{world.event_id}").get_data(as_text=True)
    assert "Written online: 1" in html and "Handwritten: 7" in html


def test_cli_creates_a_group_and_lists_events(runner, world):
    result = runner.invoke(args=["marathon", "create-group", "Lyon", "--town", "Lyon"])
    assert result.exit_code == 0, result.output
    assert "Lyon" in result.output
    again = runner.invoke(args=["marathon", "create-group", "Lyon"])
    assert again.exit_code != 0 and "already exists" in again.output
    listing = runner.invoke(args=["marathon", "list-events"])
    assert world.code in listing.output and "closed" in listing.output
