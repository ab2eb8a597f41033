"""Invitations, set-password links, password reset by e-mail, and the users page."""

from __future__ import annotations

import email
import re
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from tests.factories import PASSWORD, get_user, make_group, make_user
from tests.settings import FAST_HASH

NEW_PASSWORD = "a long new password"


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: every message is kept in ``server.messages``."""

    def handle(self) -> None:
        self.wfile.write(b"220 sink ESMTP\r\n")
        lines: list[bytes] = []
        in_data = False
        while line := self.rfile.readline():
            if in_data:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append(email.message_from_bytes(b"".join(lines)))
                    lines, in_data = [], False
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                in_data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink() -> Iterator[socketserver.ThreadingTCPServer]:
    """A real SMTP server on a free local port, collecting messages."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


pytestmark = pytest.mark.settings(FAST_HASH, WTF_CSRF_ENABLED=False)


def _link_from(page: str, kind: str) -> str:
    match = re.search(rf'value="(http[^"]*/{kind}/[^"]+)"', page)
    assert match, page
    return match.group(1).replace("http://localhost", "")


def _count_users(app) -> int:
    from marathon.accounts.models import User
    from marathon.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_admin_invites_a_coordinator_who_sets_a_password(app, client, auth):
    auth.login_as("admin")
    group_id = make_group(app)
    form = client.get("/users/invite").get_data(as_text=True)
    assert "Groupe de Lyon" in form
    response = client.post(
        "/users/invite",
        data={
            "name": "Noa",
            "email": "Noa@Example.org",
            "role": "coordinator",
            "group_id": group_id,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No e-mail was sent" in page
    path = _link_from(page, "welcome")

    visitor = client.application.test_client()
    assert "Choose the password of your account" in visitor.get(path).get_data(as_text=True)
    response = visitor.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    auth.login("noa@example.org", NEW_PASSWORD, client=visitor)

    again = app.test_client().get(path)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_invite_form_says_what_to_fix_and_saves_nothing(app, client, auth):
    auth.login_as("admin")
    group_id = make_group(app)
    before = _count_users(app)
    cases = [
        (
            {"name": "Noa", "email": "noa@example.org", "role": "coordinator", "group_id": ""},
            "Choose the group this coordinator will manage.",
        ),
        (
            {"name": "Noa", "email": "not an address", "role": "coordinator", "group_id": group_id},
            "Enter a valid e-mail address",
        ),
        (
            {"name": "Noa", "email": "ADMIN@example.org", "role": "admin", "group_id": ""},
            "already exists",
        ),
        (
            {
                "name": "Noa",
                "email": "noa@example.org",
                "role": "coordinator",
                "group_id": "999999",
            },
            "This group does not exist",
        ),
        (
            {"name": "Noa", "email": "noa@example.org", "role": "coordinator", "group_id": "x1"},
            "This group does not exist",
        ),
        ({"name": "", "email": "", "role": "king", "group_id": ""}, "Enter a name."),
    ]
    for data, message in cases:
        response = client.post("/users/invite", data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert _count_users(app) == before


def _invite_noa(app, client) -> str:
    """Invite Noa as the coordinator of a new group; the page that answers."""
    data = {
        "name": "Noa",
        "email": "noa@example.org",
        "role": "coordinator",
        "group_id": make_group(app),
    }
    return client.post("/users/invite", data=data).get_data(as_text=True)


def test_tampered_link_is_refused_clearly(app, client, auth):
    auth.login_as("admin")
    page = _invite_noa(app, client)
    path = _link_from(page, "welcome")
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    response = app.test_client().get(tampered)
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert app.test_client().post(tampered, data={"password": NEW_PASSWORD}).status_code == 400
    # A reset link is not an invitation, and the other way round.
    token = path.rsplit("/", 1)[1]
    assert app.test_client().get(f"/password/reset/{token}").status_code == 400
    assert app.test_client().get("/welcome/" + "x" * 2000).status_code in (400, 404)


def test_expired_link_is_refused_clearly(app):
    user_id = make_user(app, "noa@example.org", role="admin", password=None)

    class _LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 86_400

    serializer = URLSafeTimedSerializer("test-secret", salt="marathon-invite", signer=_LongAgo)
    token = serializer.dumps({"u": user_id, "v": 0})
    response = app.test_client().get(f"/welcome/{token}")
    assert response.status_code == 400
    assert "This link has expired." in response.get_data(as_text=True)
    assert "Ask your section admin for a new invitation." in response.get_data(as_text=True)


def test_set_password_form_says_what_to_fix(app):
    from marathon.accounts import service
    from marathon.accounts.models import User
    from marathon.extensions import db

    user_id = make_user(app, "noa@example.org", role="admin", password=None)
    with app.app_context():
        token = service.make_token(db.session.get(User, user_id), "invite")
    response = app.test_client().post(
        f"/welcome/{token}", data={"password": "short", "confirm": "different"}
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Choose a password of 10 to 256 characters." in body
    assert "The two passwords are not the same." in body
    assert get_user(app, user_id).password_hash is None


def test_invitation_is_e_mailed_when_mail_is_configured(app, client, smtp_sink, auth):
    app.config["MAIL_SERVER"] = f"127.0.0.1:{smtp_sink.server_address[1]}"
    app.config["MAIL_SENDER"] = "marathon@example.org"
    auth.login_as("admin")
    page = _invite_noa(app, client)
    assert "The link was e-mailed to noa@example.org." in page
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "noa@example.org"
    assert _link_from(page, "welcome") in message.get_payload(decode=True).decode()


def test_unreachable_mail_server_still_shows_the_link(app, client, auth):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config["MAIL_SERVER"] = f"127.0.0.1:{closed_port}"
    auth.login_as("admin")
    page = client.post(
        "/users/invite",
        data={"name": "Noa", "email": "noa@example.org", "role": "admin", "group_id": ""},
    ).get_data(as_text=True)
    assert "No e-mail was sent" in page
    assert "/welcome/" in page


def test_forgot_password_answers_the_same_and_mails_only_real_accounts(app, smtp_sink, auth):
    app.config["MAIL_SERVER"] = f"127.0.0.1:{smtp_sink.server_address[1]}"
    user_id = make_user(app, "coord@example.org", group_id=make_group(app))
    client = app.test_client()
    known = client.post("/password/forgot", data={"email": "Coord@example.org"})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(smtp_sink.messages) == 1
    body = smtp_sink.messages[0].get_payload(decode=True).decode()
    path = re.search(r"http://localhost(/password/reset/\S+)", body).group(1)

    other_session = app.test_client()
    auth.login("coord@example.org", client=other_session)
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert other_session.get("/account").status_code == 302, "the reset ends other sessions"
    assert get_user(app, user_id).session_version == 1
    auth.login("coord@example.org", NEW_PASSWORD, client=app.test_client())
    assert "already been used" in client.get(path).get_data(as_text=True)


def test_forgot_password_without_mail_says_whom_to_ask(app, client):
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "does not send e-mail" in page


def test_admin_disables_and_enables_a_user(app, client, auth):
    admin_id = auth.login_as("admin")
    user_id = make_user(app, "coord@example.org", group_id=make_group(app))
    page = client.get("/users").get_data(as_text=True)
    assert "coord@example.org" in page and "Groupe de Lyon" in page
    assert client.post(f"/users/{user_id}/disable").status_code == 302
    assert get_user(app, user_id).active is False
    assert auth.attempt("coord@example.org", client=app.test_client()).status_code == 401
    assert client.post(f"/users/{user_id}/enable").status_code == 302
    auth.login("coord@example.org", client=app.test_client())
    response = client.post(f"/users/{admin_id}/disable", follow_redirects=True)
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    assert get_user(app, admin_id).active is True
    assert client.post("/users/999999/disable").status_code == 404


def test_admin_makes_a_new_link_for_a_user(app, client, auth):
    auth.login_as("admin")
    user_id = make_user(app, "coord@example.org", group_id=make_group(app))
    page = client.post(f"/users/{user_id}/link").get_data(as_text=True)
    path = _link_from(page, "password/reset")
    response = app.test_client().post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert auth.attempt("coord@example.org", PASSWORD, client=app.test_client()).status_code == 401
    auth.login("coord@example.org", NEW_PASSWORD, client=app.test_client())


def test_csrf_is_required_on_account_forms(app_config, tmp_path):
    from marathon import create_app
    from marathon.extensions import db

    app_config = dict(app_config, WTF_CSRF_ENABLED=True)
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert client.post("/logout").status_code == 400
    with app.app_context():
        db.engine.dispose()
