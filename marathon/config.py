"""Configuration: defaults, then ``instance/config.py``, then ``MARATHON_*`` environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

# Each entry: name, default, parser. The README's configuration table mirrors this list.
_ENV_SETTINGS: dict[str, Any] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REDIS_URL": str,
    "STORAGE_DIR": str,
    "CASES_DIR": str,
    "EDITION": int,
    "DEFAULT_LOCALE": str,
    "TIMEZONE": str,
    "RETENTION_DAYS": int,
    "SESSION_IDLE_MINUTES": int,
    "SESSION_COOKIE_SECURE": lambda value: value.lower() in {"1", "true", "yes", "on"},
    "PUBLIC_URL": str,
    "MAIL_SERVER": str,
    "MAIL_SENDER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": lambda value: value.lower() in {"1", "true", "yes", "on"},
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "REPORT_SIGNING_KEY": str,
    "JOBS_QUEUE": str,
    "JOBS_PREFIX": str,
    "BATCH_RENDER_PROCESSES": int,
    "MAX_PHOTO_BYTES": int,
    "WRITE_RATE_LIMIT": int,
    "WRITE_ADDRESS_RATE_LIMIT": int,
    "API_WRITE_RATE_LIMIT": int,
    "LOGIN_RATE_LIMIT": str,
    "LOGIN_ACCOUNT_RATE_LIMIT": str,
    "PUBLIC_TOTALS_CACHE_SECONDS": int,
    "PROXY_HOPS": int,
    "LETTER_WINDOW": str,
    "POSTAGE_RATES_FILE": str,
}

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    }


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment and ``test_config``."""
    app.config.from_mapping(default_settings(app.instance_path))
    if test_config is None:
        # An absolute path: from_pyfile is relative to the package, not to the instance folder.
        app.config.from_pyfile(str(Path(app.instance_path) / "config.py"), silent=True)
        for name, parse in _ENV_SETTINGS.items():
            raw = os.environ.get(f"MARATHON_{name}")
            if raw not in (None, ""):
                app.config[name] = parse(raw)
    else:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["SECRET_KEY"] is None:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


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
