"""``/healthz`` is a readiness check: 200 when the database and Redis answer, else 503.

A process that cannot reach its database (or Redis, when configured) says so, so that a load
balancer stops sending it visitors. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from marathon import create_app
from tests.services import REDIS_TEST_URL


def _unreachable_database(database: str, tmp_path: Path) -> str:
    if database == "sqlite":
        folder = tmp_path / "not-a-database"  # a folder where the file should be
        folder.mkdir()
        return f"sqlite:///{folder}"
    return "postgresql://postgres@127.0.0.1:1/marathon"  # nothing listens on port 1


def _app(app_config: dict, **changes):
    return create_app({**app_config, **changes})


def test_ready_when_the_database_and_redis_answer(app_config):
    app = _app(app_config, REDIS_URL=REDIS_TEST_URL)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_not_ready_when_the_database_is_down(app_config, database, tmp_path):
    app = _app(app_config, DATABASE_URL=_unreachable_database(database, tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "unavailable"}
    assert "database" in body["message"]
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "redis://192.0.2.1:6379/0"])
def test_not_ready_when_redis_is_down_and_says_so_quickly(app_config, url):
    app = _app(app_config, REDIS_URL=url)
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    assert time.monotonic() - started < 5  # a black hole does not hold the check
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "redis": "unavailable"}


def test_embedded_mode_needs_no_redis(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
