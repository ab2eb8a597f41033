"""The test app's settings: the base every test starts from, and the presets modules ask for.

A module, a class or a test changes its app's settings with the ``settings`` marker; conftest's
``app_config`` applies the marks of the module, then the class, then the test, in the order they
are written::

    pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)

    @pytest.mark.settings(FAST_CONFIG, own_queue("limits-"), WRITE_RATE_LIMIT=2)
    class TestLimits: ...

Positional arguments are dicts of settings, applied before the keywords. A :class:`Unique` value
becomes a new string for each test (a queue or a key prefix no other test shares).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.services import REDIS_TEST_URL


@dataclass(frozen=True)
class Unique:
    """A setting new to each test: ``prefix``, eight random hex digits, ``suffix``."""

    prefix: str
    suffix: str = ""

    def new(self) -> str:
        """The value for one test."""
        return f"{self.prefix}{uuid.uuid4().hex[:8]}{self.suffix}"


# Passwords hashed fast in tests (the default cost is strong: ~0.3 s an account).
FAST_HASH: dict[str, Any] = {"PASSWORD_HASH_METHOD": "scrypt:1024:8:1"}
# Settings of a test app that takes many requests from one client quickly.
FAST_CONFIG: dict[str, Any] = {
    **FAST_HASH,
    "LOGIN_RATE_LIMIT": "100000/60",
    "WRITE_RATE_LIMIT": 100000,
    "API_WRITE_RATE_LIMIT": 1000000,
    "DEFAULT_LOCALE": "en",
}


def own_queue(prefix: str = "marathon-test-") -> dict[str, Any]:
    """Background jobs go to the test Redis, on a queue of the test's own (none run in-process)."""
    return {"JOBS_EAGER": False, "REDIS_URL": REDIS_TEST_URL, "JOBS_QUEUE": Unique(prefix)}


def make_test_config(tmp_path: Path, database: str, request: pytest.FixtureRequest) -> dict:
    """The configuration of a test app on ``database`` ("sqlite" or "postgresql")."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    if database == "sqlite":
        url = f"sqlite:///{instance / 'test.sqlite3'}"
    else:
        url = request.getfixturevalue("_postgres_schema")
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": url,
        "STORAGE_DIR": str(instance / "storage"),
        "JOBS_EAGER": True,
        # Tests read the English messages unless they are about another language.
        "DEFAULT_LOCALE": "en",
        "SERVER_NAME": "localhost",
        "PREFERRED_URL_SCHEME": "http",
    }


def marked_settings(node: pytest.Item) -> dict[str, Any]:
    """The settings the ``settings`` marks ask for: the module's, the class's, then the test's."""
    settings: dict[str, Any] = {}
    for parent in node.listchain():
        for mark in parent.own_markers:
            if mark.name == "settings":
                for values in mark.args:
                    settings.update(values)
                settings.update(mark.kwargs)
    return {
        name: value.new() if isinstance(value, Unique) else value
        for name, value in settings.items()
    }
