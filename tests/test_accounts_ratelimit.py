"""The fixed-window rate limiter, in process and on a real Redis, and the login lockout."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import redis

from marathon import ratelimit
from tests.factories import PASSWORD, make_user
from tests.services import REDIS_TEST_URL
from tests.settings import FAST_HASH


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> str:
    """The limiter's store for this test."""
    return request.param


@pytest.fixture
def redis_prefix() -> str:
    """A Redis key prefix of this test's own, removed afterwards."""
    prefix = f"marathon:rl:test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


pytestmark = pytest.mark.settings(FAST_HASH, WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3/300")


@pytest.fixture
def app_config(app_config, backend, redis_prefix):
    """The limiter's store: this process's memory, or the test Redis under a prefix of its own."""
    if backend == "redis":
        app_config["REDIS_URL"] = REDIS_TEST_URL
        app_config["RATELIMIT_PREFIX"] = redis_prefix
    return app_config


def test_hit_allows_up_to_the_limit_then_refuses(app, backend, redis_prefix):
    with app.test_request_context():
        results = [ratelimit.hit("t", "k1", limit=3, window_seconds=60) for _ in range(5)]
        other = ratelimit.hit("t", "k2", limit=3, window_seconds=60)
        other_bucket = ratelimit.hit("u", "k1", limit=3, window_seconds=60)
    assert results == [True, True, True, False, False]
    assert other and other_bucket
    if backend == "redis":
        keys = list(redis.Redis.from_url(REDIS_TEST_URL).scan_iter(f"{redis_prefix}*"))
        assert keys, "counts are kept in Redis"
        assert all(b"k1" not in key for key in keys), "keys are hashed, never in clear"
        ttl = redis.Redis.from_url(REDIS_TEST_URL).ttl(keys[0])
        assert 0 < ttl <= 61


def test_a_new_window_starts_afresh(app, backend):
    with app.test_request_context():
        time.sleep(1 - time.time() % 1)  # start at the beginning of a one-second window
        assert ratelimit.hit("w", "k", limit=1, window_seconds=1)
        assert not ratelimit.hit("w", "k", limit=1, window_seconds=1)
        time.sleep(1 - time.time() % 1 + 0.01)
        assert ratelimit.hit("w", "k", limit=1, window_seconds=1)


def test_login_is_locked_after_n_attempts_per_address(app, client, backend, auth):
    make_user(app, "admin@example.org", role="admin")
    for _ in range(3):
        assert auth.attempt("admin@example.org", "wrong password").status_code == 401
    response = auth.attempt("admin@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) <= 300
    # Another address is not affected; the page itself still opens.
    other = app.test_client()
    response = other.post(
        "/login",
        data={"email": "admin@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert response.status_code == 302
    assert client.get("/login").status_code == 200


def test_limited_decorator_answers_json_for_the_api(app, backend):
    @ratelimit.limited("api-test", ratelimit.session_key, 2, 60)
    def ping():
        return {"ok": True}

    app.add_url_rule("/api/v1/test-ping", "test_ping", ping)
    client = app.test_client()
    assert client.get("/api/v1/test-ping").status_code == 200
    assert client.get("/api/v1/test-ping").status_code == 200
    response = client.get("/api/v1/test-ping")
    assert response.status_code == 429
    assert response.get_json()["error"]["status"] == 429
    assert "Too many attempts" in response.get_json()["error"]["message"]
    # A new session (another phone on the same Wi-Fi) has its own allowance.
    assert app.test_client().get("/api/v1/test-ping").status_code == 200


def test_session_key_is_stable_within_a_session(app, backend):
    @ratelimit.limited("key-test", ratelimit.session_key, 100, 60)
    def key():
        return {"key": ratelimit.session_key()}

    app.add_url_rule("/test-key", "test_key", key)
    client = app.test_client()
    first = client.get("/test-key").get_json()["key"]
    assert client.get("/test-key").get_json()["key"] == first
    assert app.test_client().get("/test-key").get_json()["key"] != first


def test_limits_are_read_from_settings():
    assert ratelimit.parse_limit("10/300", (1, 1)) == (10, 300)
    assert ratelimit.parse_limit((5, 60), (1, 1)) == (5, 60)
    assert ratelimit.parse_limit(None, (10, 300)) == (10, 300)
    assert ratelimit.parse_limit("nonsense", (10, 300)) == (10, 300)


def test_successful_logins_are_not_counted(app, client, backend, auth):
    make_user(app, "admin@example.org", role="admin")
    for _ in range(6):  # twice the limit of 3
        auth.login("admin@example.org", PASSWORD)
        client.post("/logout")
    # Failures are still counted, and a success in between does not wipe them.
    assert auth.attempt("admin@example.org", "wrong password").status_code == 401
    assert auth.attempt("admin@example.org", "wrong password").status_code == 401
    auth.login("admin@example.org", PASSWORD)
    client.post("/logout")
    assert auth.attempt("admin@example.org", "wrong password").status_code == 401
    assert auth.attempt("admin@example.org", PASSWORD).status_code == 429


def test_one_persons_failures_at_an_event_do_not_spend_the_others_logins(app, backend):
    """Everyone on one Wi-Fi: failures count, the others' successful logins do not."""
    make_user(app, "admin@example.org", role="admin")
    make_user(app, "other@example.org", role="admin")
    wifi = {"REMOTE_ADDR": "192.0.2.77"}
    people = [app.test_client() for _ in range(5)]
    for person in people:
        response = person.post(
            "/login", data={"email": "other@example.org", "password": PASSWORD}, environ_base=wifi
        )
        assert response.status_code == 302
    clumsy = app.test_client()
    for _ in range(2):
        response = clumsy.post(
            "/login", data={"email": "admin@example.org", "password": "typo"}, environ_base=wifi
        )
        assert response.status_code == 401
    late = app.test_client().post(
        "/login", data={"email": "other@example.org", "password": PASSWORD}, environ_base=wifi
    )
    assert late.status_code == 302


def test_failures_on_one_account_from_many_addresses_lock_that_account(app, backend):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "4/600"
    make_user(app, "admin@example.org", role="admin")
    make_user(app, "other@example.org", role="admin")
    for n in range(4):  # one guess from each of four addresses: under each address's limit
        response = app.test_client().post(
            "/login",
            data={"email": "Admin@Example.org", "password": f"guess {n}"},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"},
        )
        assert response.status_code == 401
    locked = app.test_client().post(
        "/login",
        data={"email": "admin@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.99"},
    )
    assert locked.status_code == 429
    text = locked.get_data(as_text=True)
    assert re.search(r"Please wait (\d+ minutes?|\d+ seconds?) and try again", text)
    assert 0 < int(locked.headers["Retry-After"]) <= 600
    # Another account, from one of those addresses, is not affected.
    other = app.test_client().post(
        "/login",
        data={"email": "other@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.1"},
    )
    assert other.status_code == 302


def test_the_forgotten_password_limit_says_how_long(app, client, backend):
    app.config["FORGOT_RATE_LIMIT"] = "1/300"
    assert client.post("/password/forgot", data={"email": "a@example.org"}).status_code == 200
    refused = client.post("/password/forgot", data={"email": "a@example.org"})
    assert refused.status_code == 429
    assert re.search(r"Please wait (\d+ minutes?|\d+ seconds?)", refused.get_data(as_text=True))
    assert int(refused.headers["Retry-After"]) <= 300
