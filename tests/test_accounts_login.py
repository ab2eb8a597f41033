"""Logging in and out, idle sessions, ended sessions, and who gets in."""

from __future__ import annotations

import time

import pytest

from marathon.accounts.loader import LAST_SEEN_KEY
from tests.factories import PASSWORD, get_user, make_group, make_user
from tests.settings import FAST_HASH

pytestmark = pytest.mark.settings(FAST_HASH, WTF_CSRF_ENABLED=False)


def _logged_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def test_login_with_right_password_opens_the_session(app, client, auth):
    group = make_group(app)
    make_user(app, "camille@example.org", group_id=group)
    response = auth.attempt("camille@example.org")
    assert response.status_code == 302
    assert _logged_in(client)


def test_login_ignores_the_case_of_the_address(app, client, auth):
    make_user(app, "Camille.Dupont@Example.org", role="admin")
    auth.login("  camille.DUPONT@example.ORG ")
    assert _logged_in(client)


def test_wrong_password_is_refused_with_a_clear_message(app, client, auth):
    make_user(app, "admin@example.org", role="admin")
    response = auth.attempt("admin@example.org", "wrong password!")
    assert response.status_code == 401
    assert "e-mail address or the password is not right" in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_unknown_address_gets_the_same_message(app, client, auth):
    response = auth.attempt("nobody@example.org")
    assert response.status_code == 401
    assert "e-mail address or the password is not right" in response.get_data(as_text=True)


def test_empty_fields_are_named_next_to_the_field(app, client):
    response = client.post("/login", data={"email": "", "password": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your e-mail address." in body
    assert "Enter your password." in body
    assert 'aria-invalid="true"' in body


def test_oversized_and_malformed_input_is_refused_not_crashed(app, client):
    response = client.post(
        "/login",
        data={"email": "a" * 5000 + "@x.org", "password": "<script>alert(1)</script>"},
    )
    assert response.status_code in (401, 422)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    response = client.post(
        "/login",
        data=b"email=%ff%fe%3Cb%3E&password=%c3%28",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (401, 422)
    assert "<b>" not in response.get_data(as_text=True)


def test_login_page_has_accessible_fields(app, client):
    body = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="username"' in body
    assert 'autocomplete="current-password"' in body
    assert '<label for="email"' in body and '<label for="password"' in body


def test_disabled_user_cannot_log_in(app, client, auth):
    from marathon.accounts import service
    from marathon.accounts.models import User
    from marathon.extensions import db

    user_id = make_user(app, "gone@example.org", role="admin")
    with app.app_context():
        service.set_active(db.session.get(User, user_id), False)
    response = auth.attempt("gone@example.org")
    assert response.status_code == 401
    assert not _logged_in(client)


def test_disabling_a_user_ends_their_open_session(app, client, auth):
    from marathon.accounts import service
    from marathon.accounts.models import User
    from marathon.extensions import db

    user_id = make_user(app, "soon-gone@example.org", role="admin")
    auth.login("soon-gone@example.org")
    assert _logged_in(client)
    with app.app_context():
        service.set_active(db.session.get(User, user_id), False)
    assert not _logged_in(client)


def test_logout_ends_the_session(app, client, auth):
    make_user(app, "admin@example.org", role="admin")
    auth.login("admin@example.org")
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert not _logged_in(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_logout_is_not_a_get(app, client, auth):
    make_user(app, "admin@example.org", role="admin")
    auth.login("admin@example.org")
    assert client.get("/logout").status_code == 405
    assert _logged_in(client)


def test_idle_session_is_logged_out(app, client, auth):
    app.config["SESSION_IDLE_MINUTES"] = 30
    make_user(app, "admin@example.org", role="admin")
    auth.login("admin@example.org")
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = int(time.time()) - 29 * 60
    assert _logged_in(client), "29 minutes idle is within the limit"
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "after 30 minutes without activity" in page


def test_activity_keeps_the_session_alive(app, client, auth):
    app.config["SESSION_IDLE_MINUTES"] = 30
    make_user(app, "admin@example.org", role="admin")
    auth.login("admin@example.org")
    with client.session_transaction() as session:
        session[LAST_SEEN_KEY] = int(time.time()) - 20 * 60
    assert _logged_in(client)
    with client.session_transaction() as session:
        assert session[LAST_SEEN_KEY] >= int(time.time()) - 5


def test_session_version_bump_ends_other_sessions(app, auth):
    from marathon.accounts import service
    from marathon.accounts.models import User
    from marathon.extensions import db

    user_id = make_user(app, "admin@example.org", role="admin")
    phone, laptop = app.test_client(), app.test_client()
    auth.login("admin@example.org", client=phone)
    auth.login("admin@example.org", client=laptop)
    assert _logged_in(phone) and _logged_in(laptop)
    with app.app_context():
        service.set_password(db.session.get(User, user_id), "a brand new password")
    assert not _logged_in(phone)
    assert not _logged_in(laptop)
    assert get_user(app, user_id).session_version == 1


def test_changing_own_password_keeps_this_session_and_ends_the_others(app, auth):
    make_user(app, "coord@example.org", group_id=make_group(app))
    phone, laptop = app.test_client(), app.test_client()
    auth.login("coord@example.org", client=phone)
    auth.login("coord@example.org", client=laptop)
    response = phone.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "another long password",
            "confirm": "another long password",
        },
    )
    assert response.status_code == 302
    assert _logged_in(phone)
    assert not _logged_in(laptop)
    fresh = app.test_client()
    assert auth.attempt("coord@example.org", PASSWORD, client=fresh).status_code == 401
    auth.login("coord@example.org", "another long password", client=fresh)


def test_change_password_says_what_is_wrong(app, client, auth):
    make_user(app, "coord@example.org", group_id=make_group(app))
    auth.login("coord@example.org")
    response = client.post(
        "/account/password",
        data={"current_password": "not it", "password": "short", "confirm": "other"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a password of 10 to 256 characters." in body
    assert "The two passwords are not the same." in body
    response = client.post(
        "/account/password",
        data={
            "current_password": "not it",
            "password": "long enough password",
            "confirm": "long enough password",
        },
    )
    assert "This is not your current password." in response.get_data(as_text=True)


def test_anonymous_is_sent_to_login_and_comes_back(app, client):
    make_user(app, "admin@example.org", role="admin")
    response = client.get("/users")
    assert response.status_code == 302
    assert "/login?next=/users" in response.headers["Location"]
    response = client.post(
        "/login?next=/users", data={"email": "admin@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/users")


def test_login_never_redirects_to_another_site(app, client):
    make_user(app, "admin@example.org", role="admin")
    response = client.post(
        "/login?next=//evil.example/steal",
        data={"email": "admin@example.org", "password": PASSWORD},
    )
    assert "evil.example" not in response.headers["Location"]


def test_coordinator_cannot_open_admin_pages(app, client, auth):
    make_user(app, "coord@example.org", group_id=make_group(app))
    auth.login("coord@example.org")
    assert client.get("/users").status_code == 403
    assert client.get("/users/invite").status_code == 403


def test_api_answers_401_json_to_anonymous(app, client):
    from marathon.accounts.access import role_required

    @role_required("coordinator")
    def secret():
        return {"ok": True}

    app.add_url_rule("/api/v1/test-secret", "test_secret", secret)
    response = client.get("/api/v1/test-secret")
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


def test_passwords_are_hashed_with_scrypt_by_default(app):
    from marathon.accounts.service import hash_password
    from marathon.config import default_settings

    # The built-in default, not the module's fast setting.
    default = default_settings(app.instance_path)["PASSWORD_HASH_METHOD"]
    app.config["PASSWORD_HASH_METHOD"] = default
    with app.app_context():
        hashed = hash_password("a long enough password")
    assert hashed.startswith("scrypt:32768:8:1$")
    assert "a long enough password" not in hashed


def test_nav_partial_shows_the_right_links(app, client, auth):
    from flask import render_template_string

    @app.route("/test-nav")
    def nav():
        return render_template_string('{% include "accounts/_nav.html" %}')

    assert "Log in" in client.get("/test-nav").get_data(as_text=True)
    make_user(app, "admin@example.org", role="admin")
    auth.login("admin@example.org")
    page = client.get("/test-nav").get_data(as_text=True)
    assert "Users" in page and "Log out" in page and "Log in" not in page
    assert 'action="/logout"' in page and 'method="post"' in page


def _captured(client) -> str:
    """The session cookie as an attacker copying it would (from a shared computer, a proxy)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _opens_account(app, cookie_value: str) -> bool:
    thief = app.test_client()
    thief.set_cookie("session", cookie_value)
    return thief.get("/account").status_code == 200


def test_a_cookie_captured_before_logout_opens_nothing_afterwards(app, client, auth):
    make_user(app, "coord@example.org", group_id=make_group(app))
    auth.login("coord@example.org")
    copied = _captured(client)
    assert _opens_account(app, copied), "the copy works while the session is open"
    assert client.post("/logout").status_code == 302
    assert not _opens_account(app, copied)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/events/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logging_out_on_one_device_keeps_the_others(app, auth):
    make_user(app, "coord@example.org", group_id=make_group(app))
    phone, laptop = app.test_client(), app.test_client()
    auth.login("coord@example.org", client=phone)
    auth.login("coord@example.org", client=laptop)
    phone.post("/logout")
    assert not _logged_in(phone)
    assert _logged_in(laptop)


def test_a_cookie_captured_before_a_password_change_opens_nothing(app, client, auth):
    make_user(app, "coord@example.org", group_id=make_group(app))
    auth.login("coord@example.org")
    copied = _captured(client)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "another long password",
            "confirm": "another long password",
        },
    )
    assert response.status_code == 302
    assert _logged_in(client)  # this session goes on, with a new server-side token
    assert _captured(client) != copied
    assert not _opens_account(app, copied)


def test_a_session_idle_on_the_server_is_over_even_with_a_fresh_cookie(app, client, auth):
    from datetime import UTC, datetime, timedelta

    from marathon.accounts.models import LoginSession
    from marathon.extensions import db

    app.config["SESSION_IDLE_MINUTES"] = 30
    make_user(app, "coord@example.org", group_id=make_group(app))
    auth.login("coord@example.org")
    with app.app_context():
        db.session.query(LoginSession).update(
            {LoginSession.last_seen_at: datetime.now(UTC) - timedelta(minutes=31)}
        )
        db.session.commit()
    assert not _logged_in(client)
