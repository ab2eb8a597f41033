"""Flask-Login's user loader."""

from __future__ import annotations

from marathon.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id: str):
    """The logged-in user, or None when the account is gone or disabled."""
    from marathon.accounts.models import User

    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
