"""Flask-Login's user loader, and the session keys that end sessions.

A session is valid while its user is active, its ``sv`` equals the user's ``session_version``
(bumped by a password change, reset or disabling), its ``sid`` token names an open
``LoginSession`` on the server (deleted at logout: a cookie copied before opens nothing), and
while it has been used within SESSION_IDLE_MINUTES (checked by ``end_idle_session`` before every
request, and on the server by the session's ``last_seen_at``).
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, session
from flask_babel import gettext as _
from flask_login import logout_user

from marathon.accounts.access import unauthorized
from marathon.accounts.service import (
    close_login_session,
    login_session_user,
    open_login_session,
    touch_login_session,
)
from marathon.extensions import login_manager

SESSION_VERSION_KEY = "sv"
SESSION_TOKEN_KEY = "sid"
LAST_SEEN_KEY = "last_seen"
# Refresh the last-seen time at most this often, so the cookie is not rewritten on every request.
LAST_SEEN_RESOLUTION = 30

login_manager.login_view = "accounts.login"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> Any:
    """The logged-in user, or None when the account is gone, disabled or its sessions ended."""
    if not (user_id.isascii() and user_id.isdigit()) or int(user_id) >= 2**31:
        return None
    token = session.get(SESSION_TOKEN_KEY)
    if not isinstance(token, str):
        return None
    user = login_session_user(int(user_id), token)
    if user is None or session.get(SESSION_VERSION_KEY) != (user.session_version or 0):
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized() -> Any:

    return unauthorized()


def start_session(user: Any) -> None:
    """Open the server-side session of a user who just logged in, and note it in the cookie."""
    session[SESSION_TOKEN_KEY] = open_login_session(user.id)
    session[SESSION_VERSION_KEY] = user.session_version or 0
    session[LAST_SEEN_KEY] = int(time.time())


def end_session() -> None:
    """Log out, on the server too, and forget everything in the session but the language."""
    token = session.get(SESSION_TOKEN_KEY)
    if isinstance(token, str):
        close_login_session(token)
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def end_idle_session() -> None:
    """Before each request: log out a session idle for longer than SESSION_IDLE_MINUTES."""
    if "_user_id" not in session:
        return
    now = int(time.time())
    minutes = int(current_app.config["SESSION_IDLE_MINUTES"])
    last_seen = session.get(LAST_SEEN_KEY)
    if not isinstance(last_seen, int) or now - last_seen > minutes * 60:
        end_session()
        flash(
            _(
                "You were logged out after %(minutes)s minutes without activity. "
                "Please log in again.",
                minutes=minutes,
            ),
            "info",
        )
        return
    if now - last_seen >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN_KEY] = now
        token = session.get(SESSION_TOKEN_KEY)
        if isinstance(token, str):
            touch_login_session(token)
