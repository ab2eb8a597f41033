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

from marathon.extensions import db
from tests.factories import first_case, write_letter
from tests.safety_support import drop_test_queue
from tests.services import REDIS_TEST_URL
from tests.settings import FAST_CONFIG, Unique, own_queue

# Jobs wait in a queue of this test's own and never run: no PDF is rendered here.
pytestmark = pytest.mark.settings(
    FAST_CONFIG, own_queue("limits-"), WTF_CSRF_ENABLED=False, WRITE_RATE_LIMIT=2
)


@pytest.fixture(params=["memory", "redis"])
def app_config(app_config, request):
    """The limits counted in this process, or in Redis under a key prefix of the test's own."""
    if request.param == "redis":
        app_config["RATELIMIT_PREFIX"] = Unique("limits-", ":").new()
    return app_config


BODY = "Madame, Monsieur,\n\nJe vous écris pour cette personne."


def _write(app, client, slug: str, language: str):
    return write_letter(
        client,
        slug,
        language,
        address="192.0.2.10",  # the event's one Wi-Fi address
        sender_name="Camille",
        sender_town="Lyon",
        personal_sentence=None,
        body=BODY,
    )


def test_one_session_is_slowed_down_while_others_on_the_same_address_write(loaded_cases):
    from marathon.letters.models import Letter

    app = loaded_cases
    slug, language = first_case(app)
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


# Two letters per session, four per address, three per address through the API; counters of the
# test's own in Redis (the addresses below are counted nowhere else).
tight = pytest.mark.settings(
    WRITE_RATE_LIMIT=2,
    WRITE_ADDRESS_RATE_LIMIT=4,
    API_WRITE_RATE_LIMIT=3,
    RATELIMIT_PREFIX=Unique("limits-", ":"),
)


def _address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


def _form_post(client, slug, language, address, cookie=None):
    return write_letter(
        client,
        slug,
        language,
        address=address,
        headers={"Cookie": cookie} if cookie else {},
        sender_name="Camille",
        sender_town=None,
        sender_country=None,
        personal_sentence=None,
        body=BODY,
    )


def _says_how_long(response) -> None:
    text = response.get_data(as_text=True)
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 600
    assert re.search(r"again in (\d+ minutes?|\d+ seconds?)", text), text[-800:]


@tight
def test_replaying_the_form_pages_cookie_does_not_reset_the_count(loaded_cases):
    app = loaded_cases
    slug, language = first_case(app)
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


@tight
def test_an_event_on_one_wifi_writes_until_the_address_ceiling(loaded_cases):
    app = loaded_cases
    slug, language = first_case(app)
    address = _address()
    phones = [app.test_client() for _ in range(4)]
    assert [_form_post(phone, slug, language, address).status_code for phone in phones] == [302] * 4
    refused = _form_post(app.test_client(), slug, language, address)
    assert refused.status_code == 429
    _says_how_long(refused)


@tight
def test_api_cookies_count_for_nothing(loaded_cases):
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


@tight
def test_an_ipv6_client_cannot_walk_its_64_for_new_allowances(loaded_cases):
    app = loaded_cases
    slug, language = first_case(app)
    prefix = f"2001:db8:{uuid.uuid4().int % 65000:x}:1"
    answers = [
        _form_post(app.test_client(), slug, language, f"{prefix}::{n + 1:x}") for n in range(5)
    ]
    assert [a.status_code for a in answers] == [302] * 4 + [429]
