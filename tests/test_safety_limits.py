"""Writing limits: per browser session, under a ceiling per address that no cookie resets.

A whole event shares one Wi-Fi: sessions on one address each have their own allowance, up to the
address's ceiling; dropping or replaying cookies never gives more, nor does the API's cookie.
Checked with the counters in Redis (database 15), where they must be found, hashed, under the
prefix; every refusal says how long to wait.
"""

from __future__ import annotations

import re
import uuid

import pytest
from safety_support import FAST_CONFIG, drop_test_queue
from services import REDIS_TEST_URL

from marathon.extensions import db


@pytest.fixture(params=["memory", "redis"])
def app_config(app_config, request):
    app_config.update(FAST_CONFIG)
    app_config["WTF_CSRF_ENABLED"] = False
    app_config["WRITE_RATE_LIMIT"] = 2
    # Jobs wait in a queue of this test's own and never run: no PDF is rendered here.
    app_config["JOBS_EAGER"] = False
    app_config["REDIS_URL"] = REDIS_TEST_URL
    app_config["JOBS_QUEUE"] = f"limits-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        app_config["RATELIMIT_PREFIX"] = f"limits-{uuid.uuid4().hex[:8]}:"
    return app_config


def _write(app, client, slug: str, language: str):
    return client.post(
        f"/cases/{slug}/write",
        query_string={"kind": "appeal", "language": language},
        data={
            "submission_id": uuid.uuid4().hex,
            "sender_name": "Camille",
            "sender_town": "Lyon",
            "sender_country": "France",
            "body": "Madame, Monsieur,\n\nJe vous écris pour cette personne.",
            "paper": "a4",
            "group_id": "0",
        },
        environ_base={"REMOTE_ADDR": "192.0.2.10"},  # the event's one Wi-Fi address
    )


def test_one_session_is_slowed_down_while_others_on_the_same_address_write(loaded_cases):
    from marathon.cases.models import Case
    from marathon.letters.models import Letter

    app = loaded_cases
    with app.app_context():
        case = db.session.query(Case).order_by(Case.position).first()
        slug, language = case.slug, case.languages[0]
    first, second = app.test_client(), app.test_client()
    first.get("/")  # a session, as a browser that opened the site has
    second.get("/")
    assert _write(app, first, slug, language).status_code == 302
    assert _write(app, first, slug, language).status_code == 302
    refused = _write(app, first, slug, language)
    assert refused.status_code == 429
    assert "wait a moment" in refused.get_data(as_text=True)
    _says_how_long(refused)
    assert _write(app, second, slug, language).status_code == 302
    with app.app_context():
        assert db.session.query(Letter).count() == 3  # the refused letter was not saved

    prefix = app.config.get("RATELIMIT_PREFIX")
    if prefix:
        from redis import Redis

        connection = Redis.from_url(REDIS_TEST_URL)
        keys = [key.decode() for key in connection.scan_iter(f"{prefix}*")]
        assert keys, "the counters live in Redis when it is configured"
        assert not any("192.0.2.10" in key for key in keys)
        connection.delete(*keys)
    drop_test_queue(app, REDIS_TEST_URL)


# -- a client cannot reset the limits by dropping or replaying cookies ---------------------------


@pytest.fixture
def tight(app_config):
    """Two letters per session, four per address, three per address through the API."""
    app_config["WRITE_RATE_LIMIT"] = 2
    app_config["WRITE_ADDRESS_RATE_LIMIT"] = 4
    app_config["API_WRITE_RATE_LIMIT"] = 3
    # Counters of this test's own in Redis: the addresses below are counted nowhere else.
    app_config["RATELIMIT_PREFIX"] = f"limits-{uuid.uuid4().hex[:8]}:"
    return app_config


def _address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


def _form_post(client, slug, language, address, cookie=None):
    headers = {"Cookie": cookie} if cookie else {}
    return client.post(
        f"/cases/{slug}/write",
        query_string={"kind": "appeal", "language": language},
        data={
            "submission_id": uuid.uuid4().hex,
            "sender_name": "Camille",
            "body": "Madame, Monsieur,\n\nJe vous écris pour cette personne.",
            "paper": "a4",
            "group_id": "0",
        },
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def _case(app):
    from marathon.cases.models import Case

    with app.app_context():
        case = db.session.query(Case).order_by(Case.position).first()
        return case.slug, case.languages[0]


def _says_how_long(response) -> None:
    text = response.get_data(as_text=True)
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 600
    assert re.search(r"again in (\d+ minutes?|\d+ seconds?)", text), text[-800:]


def test_replaying_the_form_pages_cookie_does_not_reset_the_count(tight, loaded_cases):
    app = loaded_cases
    slug, language = _case(app)
    address = _address()
    attacker = app.test_client(use_cookies=False)
    # The signed cookie a form page sets (its CSRF token, no writer's key yet), sent again and
    # again: each letter used to get a fresh session, and a fresh allowance.
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = f"session={serializer.dumps({'csrf_token': uuid.uuid4().hex})}"
    answers = [_form_post(attacker, slug, language, address, cookie) for _ in range(8)]
    assert [a.status_code for a in answers[:4]] == [302] * 4
    assert {a.status_code for a in answers[4:]} == {429}
    _says_how_long(answers[-1])
    # No cookie at all: no better.
    assert _form_post(attacker, slug, language, address).status_code == 429
    with app.app_context():
        from marathon.letters.models import Letter

        assert db.session.query(Letter).count() == 4
    # Another address (another event) writes as usual.
    assert _form_post(app.test_client(), slug, language, _address()).status_code == 302


def test_an_event_on_one_wifi_writes_until_the_address_ceiling(tight, loaded_cases):
    app = loaded_cases
    slug, language = _case(app)
    address = _address()
    phones = [app.test_client() for _ in range(4)]
    assert [_form_post(phone, slug, language, address).status_code for phone in phones] == [302] * 4
    refused = _form_post(app.test_client(), slug, language, address)
    assert refused.status_code == 429
    _says_how_long(refused)


def test_api_cookies_count_for_nothing(tight, loaded_cases):
    app = loaded_cases
    address = _address()
    client = app.test_client(use_cookies=False)

    def post(n: int):
        return client.post(
            "/api/v1/letters",
            json={"case": "damisoa", "kind": "appeal", "language": "en", "sender_name": "Alex"},
            headers={"Idempotency-Key": uuid.uuid4().hex, "Cookie": f"session=fresh-{n}"},
            environ_base={"REMOTE_ADDR": address},
        )

    answers = [post(n) for n in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    error = answers[-1].get_json()["error"]
    assert re.search(r"again in (\d+ minutes?|\d+ seconds?)", error["message"])
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 600


def test_an_ipv6_client_cannot_walk_its_64_for_new_allowances(tight, loaded_cases):
    app = loaded_cases
    slug, language = _case(app)
    prefix = f"2001:db8:{uuid.uuid4().int % 65000:x}:1"
    answers = [
        _form_post(app.test_client(), slug, language, f"{prefix}::{n + 1:x}") for n in range(5)
    ]
    assert [a.status_code for a in answers] == [302] * 4 + [429]
