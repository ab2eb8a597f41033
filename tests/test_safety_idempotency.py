"""An idempotency key is bound to the letter it was first sent with, and tells nothing else.

The same key with the same letter is a retry: the same letter, counted once. The same key with
another letter never hands back the first writer's private link, and a probe (an invalid body, a
different letter) answers exactly as it would for a key never used: keys cannot be enumerated.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import uuid

import pytest

from marathon.extensions import db
from marathon.letters.models import Letter
from tests.settings import FAST_CONFIG

pytestmark = pytest.mark.settings(FAST_CONFIG, WTF_CSRF_ENABLED=False)


def _payload(**changes):
    payload = {
        "case": "damisoa",
        "kind": "appeal",
        "language": "en",
        "sender_name": "Alice Martin",
        "sender_town": "Lyon",
    }
    payload.update(changes)
    return payload


def _post(client, payload, key):
    return client.post("/api/v1/letters", json=payload, headers={"Idempotency-Key": key})


def _links(response) -> set[str]:
    """Every private link (token) an answer shows."""
    return set(re.findall(r"/letters/([A-Za-z0-9_-]{20,})", response.get_data(as_text=True)))


def _letters(app) -> int:
    with app.app_context():
        return db.session.query(Letter).count()


def test_the_same_key_with_the_same_letter_is_the_same_letter(client, loaded_cases):
    key = uuid.uuid4().hex
    first = _post(client, _payload(), key)
    again = _post(client, _payload(), key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["letter"] == again.get_json()["letter"]
    assert client.get("/api/v1/totals").get_json()["total"] == 1


def test_another_letter_with_a_used_key_never_gets_the_first_writers_link(client, loaded_cases):
    key = uuid.uuid4().hex
    alice = _post(client, _payload(), key)
    assert alice.status_code == 201
    alice_links = _links(alice)
    assert alice_links
    mallory = _post(
        client, _payload(case="manahel-al-otaibi", kind="card", sender_name="Mallory"), key
    )
    # Mallory gets her own letter, as she would with a new key, and nothing of Alice's.
    assert mallory.status_code == 201, mallory.get_json()
    assert not alice_links & _links(mallory)
    assert mallory.get_json()["letter"]["code"] != alice.get_json()["letter"]["code"]
    assert mallory.get_json()["letter"]["case"] == "manahel-al-otaibi"
    assert client.get("/api/v1/totals").get_json()["total"] == 2


@pytest.mark.parametrize(
    "probe",
    [
        _payload(sender_name=""),  # invalid: a name is required
        _payload(kind="telegram"),
        _payload(case="nobody"),
        _payload(body="too short"),
    ],
)
def test_a_probe_answers_the_same_whether_the_key_exists_or_not(client, loaded_cases, probe):
    used = uuid.uuid4().hex
    assert _post(client, _payload(), used).status_code == 201
    letters = _letters(client.application)
    on_used = _post(client, probe, used)
    on_new = _post(client, probe, uuid.uuid4().hex)
    assert on_used.status_code == on_new.status_code
    assert on_used.status_code in (404, 422)
    assert on_used.get_json() == on_new.get_json()
    assert not _links(on_used)
    assert _letters(client.application) == letters


def test_a_retry_finds_its_letter_even_once_the_case_is_withdrawn(client, loaded_cases, app):
    from marathon.cases.models import Case

    key = uuid.uuid4().hex
    first = _post(client, _payload(), key)
    with app.app_context():
        case = db.session.query(Case).filter_by(slug="damisoa").one()
        case.active = False
        db.session.commit()
    retry = _post(client, _payload(), key)
    assert retry.status_code == 200
    assert retry.get_json()["letter"]["code"] == first.get_json()["letter"]["code"]
    # Anyone else with that key and another letter learns nothing (the case is gone for them).
    other = _post(client, _payload(sender_name="Mallory"), key)
    assert other.status_code == 404
    assert not _links(other)


def _form(client) -> dict[str, str]:
    page = client.get("/cases/damisoa/write?kind=appeal&language=fr").get_data(as_text=True)
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\s*(.*?)</textarea>', page, re.S)
    assert body
    return {
        "sender_name": "Alice Martin",
        "sender_town": "Lyon",
        "body": body.group(1).replace("&#39;", "'").replace("&amp;", "&"),
        "paper": "a4",
        "group_id": "0",
    }


def test_a_form_submission_id_is_bound_to_its_letter_too(client, loaded_cases, app):
    data = _form(client)
    submission = uuid.uuid4().hex
    alice = client.post(
        "/cases/damisoa/write?kind=appeal&language=fr", data={**data, "submission_id": submission}
    )
    again = client.post(
        "/cases/damisoa/write?kind=appeal&language=fr", data={**data, "submission_id": submission}
    )
    assert alice.status_code == again.status_code == 302
    assert alice.headers["Location"] == again.headers["Location"]  # a double click: one letter
    mallory = app.test_client().post(
        "/cases/damisoa/write?kind=appeal&language=fr",
        data={**_form(client), "sender_name": "Mallory", "submission_id": submission},
    )
    assert mallory.status_code == 302
    assert mallory.headers["Location"] != alice.headers["Location"]
    assert _letters(app) == 2


@pytest.mark.parametrize("length", [76, 80])
def test_a_long_submission_id_within_the_limit_writes_the_letter(client, loaded_cases, app, length):
    data = {**_form(client), "submission_id": "a" * length}
    response = client.post("/cases/damisoa/write?kind=appeal&language=fr", data=data)
    assert response.status_code == 302
    assert _letters(app) == 1


@pytest.mark.parametrize("submission", ["a" * 81, "x" * 5000, "bad id with spaces", "é" * 40])
def test_a_malformed_submission_id_is_a_clear_400(client, loaded_cases, app, submission):
    data = {**_form(client), "submission_id": submission}
    response = client.post("/cases/damisoa/write?kind=appeal&language=fr", data=data)
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert _letters(app) == 0
