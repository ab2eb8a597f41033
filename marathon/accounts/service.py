"""Accounts: every change to users goes through these functions.

Passwords are hashed with scrypt. E-mail addresses are stored lower-cased, so logging in ignores
case. Each login opens a ``LoginSession`` row whose token only the browser's cookie holds:
logging out deletes that row, and a password change, a reset or disabling deletes every row of the
user (and bumps ``User.session_version``, copied into the session at login), so a cookie copied
before no longer opens anything. Set-password links (invitations and resets) are signed and timed
with itsdangerous and carry the session version, so each link works once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from marathon.accounts.models import ROLES, LoginSession, User
from marathon.clock import utcnow
from marathon.database import begin_write
from marathon.extensions import db
from marathon.groups.service import group_exists

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 120
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+$")
TOKEN_PURPOSES = ("invite", "reset")
_DUMMY_HASHES: dict[str, str] = {}


class AccountError(ValueError):
    """A change refused, with a message saying what to fix and the form field concerned."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TokenError(ValueError):
    """A set-password link that cannot be used, with a message saying why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LinkSent:
    """The result of making a set-password link: the link, and whether it was e-mailed."""

    user: User
    link: str
    mailed: bool


def hash_password(password: str) -> str:
    """The password's hash (scrypt; PASSWORD_HASH_METHOD may tune its cost, e.g. in tests)."""
    return generate_password_hash(password, method=_hash_method())


def _hash_method() -> str:
    return str(current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    # Checked against when the address is unknown, so that a wrong address costs as much time as
    # a wrong password and timing does not tell which accounts exist.
    method = _hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-real-password", method=method)
    return _DUMMY_HASHES[method]


def normalise_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-cased."""
    return (email or "").strip().lower()


def validate_email(email: str) -> str:
    """The normalised address, or AccountError saying what is wrong with it."""
    value = normalise_email(email)
    if not value:
        raise AccountError(_("Enter an e-mail address."), "email")
    if len(value) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.match(value):
        raise AccountError(
            _("Enter a valid e-mail address, such as name@example.org."),
            "email",
        )
    return value


def validate_name(name: str) -> str:
    """The trimmed name, or AccountError."""
    value = " ".join((name or "").split())
    if not value:
        raise AccountError(_("Enter a name."), "name")
    if len(value) > NAME_MAX_LENGTH:
        raise AccountError(
            _("The name is too long: at most %(n)s characters.", n=NAME_MAX_LENGTH), "name"
        )
    return value


def validate_password(password: str) -> str:
    """The password if it is acceptable, else AccountError."""
    if not password or len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(
            _("Choose a password of at least %(n)s characters.", n=PASSWORD_MIN_LENGTH),
            "password",
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(
            _("The password is too long: at most %(n)s characters.", n=PASSWORD_MAX_LENGTH),
            "password",
        )
    if not password.strip():
        raise AccountError(_("The password cannot be only spaces."), "password")
    return password


def find_user(email: str) -> User | None:
    """The user with this address (any case), or None."""
    value = normalise_email(email)
    if not value:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == value))


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    role: str,
    group_id: int | None = None,
) -> User:
    """Create an account. Without a password the user sets one through an invitation link."""
    address = validate_email(email)
    clean_name = validate_name(name)
    if role not in ROLES:
        raise AccountError(_("Choose a role: section admin or group coordinator."), "role")
    if role == "coordinator" and group_id is None:
        raise AccountError(_("Choose the group this coordinator will manage."), "group_id")
    if role == "admin":
        group_id = None
    if password is not None:
        validate_password(password)
    if group_id is not None and not group_exists(group_id):
        raise AccountError(_("This group does not exist. Choose one from the list."), "group_id")
    if find_user(address) is not None:
        raise AccountError(_("An account with this e-mail address already exists."), "email")
    begin_write()
    user = User(
        email=address,
        name=clean_name,
        role=role,
        group_id=group_id,
        active=True,
        session_version=0,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as error:  # the same address created at the same moment
        db.session.rollback()
        raise AccountError(
            _("An account with this e-mail address already exists."), "email"
        ) from error
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this address and password, else None."""
    user = find_user(email)
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user if user.active else None


def set_password(user: User, password: str) -> None:
    """Change the password and end every session of the user."""
    validate_password(password)
    begin_write()
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 0) + 1
    _delete_login_sessions(user.id)
    db.session.commit()


def set_active(user: User, active: bool, *, by: User | None = None) -> None:
    """Disable (ending every session) or re-enable an account."""
    if not active and by is not None and by.id == user.id:
        raise AccountError(_("You cannot disable your own account."))
    begin_write()
    user.active = active
    if not active:
        user.session_version = (user.session_version or 0) + 1
        _delete_login_sessions(user.id)
    db.session.commit()


# Login sessions -------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    """What the server keeps of a session token (the token itself is only in the cookie)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))


def _delete_login_sessions(user_id: int) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def open_login_session(user_id: int) -> str:
    """Record a new login of ``user_id``; returns the token for the session cookie.

    Sessions of anyone idle for longer than ``SESSION_IDLE_MINUTES`` are pruned on the way.
    """
    token = secrets.token_urlsafe(32)
    now = utcnow()
    begin_write()
    db.session.execute(delete(LoginSession).where(LoginSession.last_seen_at < now - _idle_limit()))
    db.session.add(
        LoginSession(
            user_id=user_id, token_digest=token_digest(token), created_at=now, last_seen_at=now
        )
    )
    db.session.commit()
    return token


def login_session_user(user_id: int, token: str) -> User | None:
    """The active user ``user_id`` if ``token`` is one of their open sessions, else None."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.active.is_(True),
            LoginSession.token_digest == token_digest(token),
            LoginSession.last_seen_at >= utcnow() - _idle_limit(),
        )
    )


def touch_login_session(token: str) -> None:
    """Note that the session of ``token`` was used now (it is pruned once idle too long)."""
    begin_write()
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.token_digest == token_digest(token))
        .values(last_seen_at=utcnow())
    )
    db.session.commit()


def close_login_session(token: str) -> None:
    """End the session of ``token`` on the server: its cookie, or any copy, opens nothing more."""
    begin_write()
    db.session.execute(delete(LoginSession).where(LoginSession.token_digest == token_digest(token)))
    db.session.commit()


# Set-password links ---------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"marathon-{purpose}")


def token_max_age(purpose: str) -> int:
    """How long a link of this purpose stays valid, in seconds."""
    if purpose == "invite":
        return int(current_app.config["INVITE_LINK_DAYS"]) * 86_400
    return int(current_app.config["RESET_LINK_HOURS"]) * 3_600


def make_token(user: User, purpose: str) -> str:
    """A signed link token for ``user``; it dies when the session version changes."""
    if purpose not in TOKEN_PURPOSES:
        raise ValueError(purpose)
    return _serializer(purpose).dumps({"u": user.id, "v": user.session_version or 0})


def read_token(token: str, purpose: str) -> User:
    """The user a valid, unused, unexpired link is for, else TokenError saying why."""
    ask = (
        _("Ask your section admin for a new invitation.")
        if purpose == "invite"
        else _("Ask for a new link on the “Forgot your password?” page.")
    )
    if not token or len(token) > 500:
        raise TokenError(_("This link is not valid.") + " " + ask)
    try:
        data: Any = _serializer(purpose).loads(token, max_age=token_max_age(purpose))
    except SignatureExpired:
        raise TokenError(_("This link has expired.") + " " + ask) from None
    except BadSignature:
        raise TokenError(
            _("This link is not valid: it may have been cut or changed when it was copied.")
            + " "
            + ask
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenError(_("This link is not valid.") + " " + ask)
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        raise TokenError(_("This account no longer exists or has been disabled.") + " " + ask)
    if data.get("v") != (user.session_version or 0):
        raise TokenError(_("This link has already been used.") + " " + ask)
    return user


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL, on PUBLIC_URL's host when set (needed outside a request, e.g. the CLI)."""
    public = current_app.config.get("PUBLIC_URL")
    if has_request_context():
        if public:
            parts = urlsplit(public)
            return f"{parts.scheme}://{parts.netloc}{url_for(endpoint, **values)}"
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=public or "http://localhost:5000"):
        return url_for(endpoint, _external=True, **values)


def link_for(user: User, purpose: str) -> str:
    """The absolute set-password link of ``purpose`` ("invite" or "reset") for ``user``."""
    endpoint = "accounts.accept_invite" if purpose == "invite" else "accounts.reset_password"
    return external_url(endpoint, token=make_token(user, purpose))


def invite(
    *, email: str, name: str, role: str = "coordinator", group_id: int | None = None
) -> LinkSent:
    """Create an account without a password and make (and mail, if possible) its invitation."""
    user = create_user(email=email, name=name, password=None, role=role, group_id=group_id)
    link = link_for(user, "invite")
    mailed = send_mail(
        user.email,
        _("Your Marathon account"),
        _(
            "Hello %(name)s,\n\nAn account was created for you on Marathon. Choose your password "
            "with this link (valid %(days)s days, usable once):\n\n%(link)s\n",
            name=user.name,
            days=int(current_app.config["INVITE_LINK_DAYS"]),
            link=link,
        ),
    )
    return LinkSent(user=user, link=link, mailed=mailed)


def new_link(user: User) -> LinkSent:
    """A fresh set-password link for an existing account, e-mailed when possible."""
    purpose = "invite" if not user.password_hash else "reset"
    link = link_for(user, purpose)
    mailed = send_mail(user.email, _("Your Marathon account"), _reset_text(user, link))
    return LinkSent(user=user, link=link, mailed=mailed)


def _reset_text(user: User, link: str) -> str:
    return _(
        "Hello %(name)s,\n\nTo choose a new password for Marathon, open this link (valid "
        "%(hours)s hours, usable once):\n\n%(link)s\n\nIf you did not ask for it, ignore this "
        "message: your password stays the same.\n",
        name=user.name,
        hours=int(current_app.config["RESET_LINK_HOURS"]),
        link=link,
    )


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the address is an active account; say nothing either way."""
    user = find_user(email)
    if user is None or not user.active or not mail_configured():
        return
    send_mail(
        user.email, _("Reset your Marathon password"), _reset_text(user, link_for(user, "reset"))
    )


# Mail -----------------------------------------------------------------------------------------


def mail_configured() -> bool:
    """True when MAIL_SERVER (and a sender) are configured."""
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send a plain-text message with smtplib; False (logged, never raised) when it cannot."""
    if not mail_configured():
        return False
    config = current_app.config
    host, _sep, port_text = str(config["MAIL_SERVER"]).partition(":")
    port = int(port_text) if port_text.isdigit() else int(config["MAIL_PORT"])
    sender = config.get("MAIL_SENDER") or f"marathon@{host}"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(host, port, timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        # Ids only in logs: never the address.
        current_app.logger.error("Mail could not be sent: %s", type(error).__name__)
        return False
    return True
