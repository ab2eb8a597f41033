"""Writing is limited per browser session, not per address: a whole event shares one Wi-Fi.

Checked with the in-process counters and with Redis (database 15, a key prefix of this test's
own), where the counters must be found, hashed, under the prefix.
"""

from __future__ import annotations

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
