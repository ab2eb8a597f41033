"""Configuration: every setting and its default here, then ``instance/config.py``, then the
``MARATHON_*`` environment (read by Flask's ``from_prefixed_env``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Text settings whose default is None (the others' type is their default's).
TEXT_SETTINGS = frozenset(
    {"SECRET_KEY", "REDIS_URL", "PUBLIC_URL", "MAIL_SERVER", "MAIL_SENDER", "MAIL_USERNAME"}
    | {"REPORT_SIGNING_KEY", "JOBS_PREFIX"}
)


def default_settings(instance_path: str) -> dict[str, Any]:
    """The built-in defaults: the embedded mode (SQLite in instance/, jobs in-process)."""
    return {
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'marathon.sqlite3'}",
        "REDIS_URL": None,
        "STORAGE_DIR": str(Path(instance_path) / "storage"),
        "CASES_DIR": str(PROJECT_ROOT / "cases"),
        "LETTER_TEMPLATES_DIR": str(PROJECT_ROOT / "letter_templates"),
        "EDITION": 2025,
        "DEFAULT_LOCALE": "fr",
        "TIMEZONE": "Europe/Paris",
        "LANGUAGES": ["fr", "en", "es", "nl", "de"],
        "RETENTION_DAYS": 90,
        "SESSION_IDLE_MINUTES": 120,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PUBLIC_URL": None,
        "MAIL_SERVER": None,
        "MAIL_SENDER": None,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "JOBS_EAGER": False,
        "PROXY_HOPS": 0,
        # The section's window envelopes: "left" (DIN 5008, US #10) or "right" (French DL/C5).
        "LETTER_WINDOW": "left",
        # The section's postage rates (TOML, see docs/postage.md); none is shipped.
        "POSTAGE_RATES_FILE": str(Path(instance_path) / "postage.toml"),
        # Mail (invitations, password resets): without a server, links are shown on screen.
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": "",
        "INVITE_LINK_DAYS": 7,
        "RESET_LINK_HOURS": 2,
        "PASSWORD_HASH_METHOD": "scrypt",
        # Offline report files are signed with it (HMAC-SHA256) when set.
        "REPORT_SIGNING_KEY": None,
        # Jobs: RQ's queue and the prefix of job ids (None: derived from the database URL).
        "JOBS_QUEUE": "marathon",
        "JOBS_PREFIX": None,
        # Processes that render a batch's letters (None: every core).
        "BATCH_RENDER_PROCESSES": None,
        "MAX_PHOTO_BYTES": 5 * 1024 * 1024,
        # Rate limits: letters per 10 minutes (per browser session, per address, per API client),
        # failed logins "count/seconds" (per address, per account).
        "WRITE_RATE_LIMIT": 30,
        "WRITE_ADDRESS_RATE_LIMIT": 600,
        "API_WRITE_RATE_LIMIT": 600,
        "LOGIN_RATE_LIMIT": "10/300",
        "LOGIN_ACCOUNT_RATE_LIMIT": "30/900",
        "RATELIMIT_PREFIX": "marathon:rl",
        "PUBLIC_TOTALS_CACHE_SECONDS": 5,
        # The language of messages printed by the CLI.
        "CLI_LOCALE": "en",
        # Tests: let unexpected errors through instead of answering the error page.
        "PROPAGATE_UNEXPECTED": False,
    }


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment and ``test_config``."""
    app.config.from_mapping(default_settings(app.instance_path))
    if test_config is None:
        # An absolute path: from_pyfile is relative to the package, not to the instance folder.
        app.config.from_pyfile(str(Path(app.instance_path) / "config.py"), silent=True)
        # MARATHON_<NAME>: values are read as JSON when they parse (numbers, true/false).
        app.config.from_prefixed_env("MARATHON")
        _keep_text_settings_text(app)
    else:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["SECRET_KEY"] is None:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _keep_text_settings_text(app: Flask) -> None:
    """A text setting stays text though it reads as JSON (a secret key of digits, say)."""
    defaults = default_settings(app.instance_path)
    text = {name for name, default in defaults.items() if isinstance(default, str)} | TEXT_SETTINGS
    for name in text:
        value = app.config.get(name)
        if value is not None and not isinstance(value, str):
            app.config[name] = json.dumps(value) if isinstance(value, bool) else str(value)


def normalise_database_url(url: str) -> str:
    """Point ``postgresql://`` URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance_path: Path) -> str:
    """A per-installation secret kept in instance/, so sessions survive restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    secret_file = instance_path / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(os.urandom(32).hex())
        secret_file.chmod(0o600)
    return secret_file.read_text().strip()
