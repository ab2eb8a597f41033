"""Fixtures: ``app``, ``client``, ``runner``, ``db``, ``auth`` and ``loaded_cases``.

Every test that uses ``app`` runs twice: on SQLite (a new file per test) and on PostgreSQL (a
database made for this test run, truncated between tests). ``MARATHON_TEST_DATABASES=sqlite``
limits a local run to one of them. A module, class or test changes the app's settings with the
``settings`` marker (see ``tests/settings.py``); what tests make comes from ``tests/factories.py``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from marathon import create_app
from marathon.extensions import db as _db
from tests.factories import AuthActions
from tests.services import POSTGRES_ADMIN_URL
from tests.settings import make_test_config, marked_settings

DATABASES = [
    name.strip()
    for name in os.environ.get("MARATHON_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
]


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test run's own, so parallel runs never meet."""
    name = f"marathon_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(POSTGRES_ADMIN_URL, name)
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _postgres_schema(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": postgres_url,
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("pg-instance")),
        }
    )
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    return postgres_url


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    """The database this test runs on."""
    return request.param


@pytest.fixture
def app_config(tmp_path: Path, database: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The test app's configuration: the base, then what the ``settings`` marks ask for."""
    return {**make_test_config(tmp_path, database, request), **marked_settings(request.node)}


@pytest.fixture
def app(app_config: dict[str, Any], database: str) -> Iterator[Flask]:
    """The application on a fresh, empty database."""
    application = create_app(app_config)
    with application.app_context():
        if database == "sqlite":
            _db.create_all()
        else:
            _truncate_all()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _truncate_all() -> None:
    tables = ", ".join(f'"{table.name}"' for table in _db.metadata.sorted_tables)
    with _db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> AuthActions:
    """Logging in through the real form: ``auth.login(email)``, ``auth.login_as("admin")``."""
    return AuthActions(app, client)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner of ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The SQLAlchemy handle, inside an app context."""
    with app.app_context():
        yield _db


@pytest.fixture
def loaded_cases(app: Flask) -> Flask:
    """The app with the sample cases of ``cases/`` loaded."""
    from marathon.cases.service import load_cases

    with app.app_context():
        load_cases()
    return app
