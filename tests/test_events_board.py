"""The live board: public page, board.json with ETag / 304, first names only when agreed."""

from __future__ import annotations

import uuid

import pytest

from marathon.cases.models import Case
from marathon.extensions import db
from tests.factories import make_world

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


@pytest.fixture
def world(loaded_cases):
    return make_world(loaded_cases, past_event=True)


def _letter(client, code, name="Marie Curie", share=True, case="damisoa"):
    response = client.post(
        "/api/v1/letters",
        json={
            "case": case,
            "kind": "appeal",
            "language": "fr",
            "sender_name": name,
            "sender_town": "Paris",
            "sender_country": "France",
            "share_first_name": share,
            "event_code": code,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def test_the_board_is_public_and_shows_the_figures_without_javascript(client, world):
    _letter(client, world.code)
    response = client.get(f"/events/{world.code}/board")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Marathon de Montréal" in html
    assert '<noscript><meta http-equiv="refresh"' in html
    assert 'id="board-total">1<' in html
    assert "Marie" in html and "Curie" not in html
    assert "board.js" in html
    assert "style=" not in html  # the CSP forbids inline styles


def test_board_json_gives_totals_and_a_304_while_nothing_changed(client, world):
    first = client.get(f"/events/{world.code}/board.json")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.json["total"] == 0 and first.json["goal"] == 500
    same = client.get(f"/events/{world.code}/board.json", headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.data == b""
    _letter(client, world.code)
    changed = client.get(f"/events/{world.code}/board.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    data = changed.json
    assert data["total"] == 1 and data["online"] == 1 and data["kinds"]["appeal"] == 1
    assert data["latest"][0]["name"] == "Marie"
    damisoa = next(case for case in data["cases"] if case["slug"] == "damisoa")
    assert damisoa["total"] == 1


def test_a_hand_count_changes_the_etag_even_when_the_sum_is_the_same(client, app, world, auth):
    auth.login("coord@example.org")
    with app.app_context():
        ids = list(db.session.scalars(db.select(Case.id).order_by(Case.id)))
    post = {"kind": "card", "quantity": "2"}
    client.post(
        f"/events/{world.event_id}/hand-counts",
        data={**post, "case_id": ids[0], "idempotency_key": uuid.uuid4().hex},
    )
    etag = client.get(f"/events/{world.code}/board.json").headers["ETag"]
    # Move one letter from a case to another: same sum, other figures.
    client.post(
        f"/events/{world.event_id}/hand-counts",
        data={**post, "quantity": "-1", "case_id": ids[0], "idempotency_key": uuid.uuid4().hex},
    )
    client.post(
        f"/events/{world.event_id}/hand-counts",
        data={**post, "quantity": "1", "case_id": ids[1], "idempotency_key": uuid.uuid4().hex},
    )
    response = client.get(f"/events/{world.code}/board.json", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json["handwritten"] == 2


def test_writers_who_did_not_agree_stay_anonymous(client, world):
    _letter(client, world.code, name="Jean Secret", share=False)
    data = client.get(f"/events/{world.code}/board.json").json
    assert data["latest"][0]["name"] is None
    assert "Jean" not in client.get(f"/events/{world.code}/board").get_data(as_text=True)


def test_letters_of_other_events_do_not_show(client, world):
    _letter(client, world.closed_code, name="Paul Ailleurs")
    data = client.get(f"/events/{world.code}/board.json").json
    assert data["total"] == 0 and data["latest"] == []


def test_unknown_board_is_a_404(client, world):
    assert client.get("/events/NOPE42/board").status_code == 404
    assert client.get("/events/NOPE42/board.json").status_code == 404


def test_healthz_answers(client, world):
    assert client.get("/healthz").json == {"status": "ok"}
