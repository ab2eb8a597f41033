"""`flask marathon create-admin`, `reset-password` and `invite`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, get_user, make_group, make_user
from tests.settings import FAST_HASH

pytestmark = pytest.mark.settings(FAST_HASH, WTF_CSRF_ENABLED=False)


def _user_by_email(app, email):
    from marathon.accounts.models import User
    from marathon.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_create_admin_with_password_option(app, runner, client, auth):
    result = runner.invoke(
        args=[
            "marathon",
            "create-admin",
            "--email",
            "Admin@Example.org",
            "--name",
            "Alex",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    user = _user_by_email(app, "admin@example.org")
    assert user.role == "admin" and user.group_id is None
    assert user.password_hash.startswith("scrypt:")
    auth.login("admin@example.org")


def test_create_admin_prompts_twice_for_the_password(app, runner):
    result = runner.invoke(
        args=["marathon", "create-admin", "--email", "a@example.org", "--name", "Alex"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output, "the password is never echoed"
    assert _user_by_email(app, "a@example.org") is not None


def test_create_admin_refuses_bad_input_clearly(app, runner):
    short = runner.invoke(
        args=["marathon", "create-admin", "--email", "a@example.org", "--name", "A"],
        input="short\nshort\n",
    )
    assert short.exit_code == 1
    assert "at least 10 characters" in short.output
    bad_email = runner.invoke(
        args=["marathon", "create-admin", "--email", "not-an-address", "--name", "A"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert bad_email.exit_code == 1
    assert "valid e-mail address" in bad_email.output
    make_user(app, "taken@example.org", role="admin")
    taken = runner.invoke(
        args=["marathon", "create-admin", "--email", "TAKEN@example.org", "--name", "A"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert taken.exit_code == 1
    assert "already exists" in taken.output


def test_reset_password_sets_it_and_ends_sessions(app, runner, auth):
    user_id = make_user(app, "coord@example.org", group_id=make_group(app))
    browser = app.test_client()
    auth.login("coord@example.org", client=browser)
    result = runner.invoke(
        args=["marathon", "reset-password", "--email", "Coord@example.org"],
        input="a fresh long password\na fresh long password\n",
    )
    assert result.exit_code == 0, result.output
    assert browser.get("/account").status_code == 302, "the old session has ended"
    assert get_user(app, user_id).session_version == 1
    auth.login("coord@example.org", "a fresh long password", client=app.test_client())


def test_reset_password_of_unknown_address_fails_clearly(app, runner):
    result = runner.invoke(
        args=["marathon", "reset-password", "--email", "nobody@example.org"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 1
    assert "No account has the address" in result.output


def test_reset_password_can_print_a_link(app, runner):
    make_user(app, "coord@example.org", group_id=make_group(app))
    result = runner.invoke(
        args=["marathon", "reset-password", "--email", "coord@example.org", "--link"]
    )
    assert result.exit_code == 0, result.output
    assert "/password/reset/" in result.output


def test_invite_creates_a_coordinator_and_prints_a_link(app, runner):
    group_id = make_group(app, "Groupe de Montréal")
    result = runner.invoke(
        args=[
            "marathon",
            "invite",
            "--email",
            "new@example.org",
            "--name",
            "Noa",
            "--group",
            "Groupe de Montréal",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/welcome/" in result.output
    user = _user_by_email(app, "new@example.org")
    assert user.group_id == group_id and user.role == "coordinator"
    assert user.password_hash is None
    missing = runner.invoke(
        args=["marathon", "invite", "--email", "x@example.org", "--name", "X", "--group", "Nope"]
    )
    assert missing.exit_code == 1
    assert "No group is named" in missing.output
