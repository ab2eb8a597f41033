"""Flask-Login's user loader, and the session keys that end sessions.

A session is valid while its user is active and its ``sv`` equals the user's ``session_version``
(bumped by a password change, reset or disabling), and while it has been used within
SESSION_IDLE_MINUTES (checked by ``end_idle_session`` before every request).
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, session
from flask_babel import gettext as _
from flask_login import logout_user

from marathon.extensions import db, login_manager

SESSION_VERSION_KEY = "sv"
LAST_SEEN_KEY = "last_seen"
# Refresh the last-seen time at most this often, so the cookie is not rewritten on every request.
LAST_SEEN_RESOLUTION = 30

login_manager.login_view = "accounts.login"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> Any:
    """The logged-in user, or None when the account is gone, disabled or its sessions ended."""
    from marathon.accounts.models import User

    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if session.get(SESSION_VERSION_KEY) != (user.session_version or 0):
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    from marathon.accounts.access import unauthorized

    return unauthorized()


def start_session(user: Any) -> None:
    """Record the session version and activity time of a user who just logged in."""
    session[SESSION_VERSION_KEY] = user.session_version or 0
    session[LAST_SEEN_KEY] = int(time.time())


def end_session() -> None:
    """Log out and forget everything in the session but the chosen language."""
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
    minutes = int(current_app.config.get("SESSION_IDLE_MINUTES") or 120)
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
