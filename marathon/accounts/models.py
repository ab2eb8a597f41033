"""Coordinators and section admins. Volunteers never need an account."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marathon.clock import utcnow
from marathon.extensions import db

ROLES = ("admin", "coordinator")


class User(UserMixin, db.Model):
    """A person who logs in: a section admin, or the coordinator of one group."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="coordinator")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_admin(self) -> bool:
        """Section admins see and change everything."""
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


class LoginSession(db.Model):
    """One logged-in browser. Its cookie holds a random token; the server keeps its digest.

    A session is valid only while its row exists: logging out deletes it, so a copy of the cookie
    taken before opens nothing afterwards; a password change, a reset or disabling the account
    deletes every row of the user. Rows idle past ``SESSION_IDLE_MINUTES`` are pruned at logins.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
