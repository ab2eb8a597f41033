"""The migrations build the models' schema, and upgrading keeps the data, on SQLite and PostgreSQL.

Written against the revision history, whatever it holds: the schema test upgrades an empty
database to head and asks Alembic's autogenerate for differences with the models (there must be
none); the data test fills a database made at the oldest revision with one row per table, upgrades
to head one revision at a time, and checks every row and value is still there. With a single
revision, "the oldest" is head itself and the data test checks that ``upgrade`` leaves a filled
database alone; the round trip down to an empty database and back is checked as well.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, inspect, select

from marathon import create_app
from marathon.extensions import db
from tests.services import POSTGRES_ADMIN_URL

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def revisions() -> list[str]:
    """Revision ids from the oldest to head (a linear history)."""
    script = ScriptDirectory(str(MIGRATIONS))
    assert len(script.get_heads()) == 1, "the migrations have several heads: merge them"
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@contextlib.contextmanager
def _keep_loggers() -> Iterator[None]:
    # migrations/env.py runs logging.fileConfig, which disables every logger it does not name.
    states = {
        name: logger.disabled
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        for name, disabled in states.items():
            logging.getLogger(name).disabled = disabled


def _migrate(action: Any, revision: str) -> None:
    with _keep_loggers():
        action(revision=revision)


@pytest.fixture
def empty_app(database: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of its own (no create_all: the migrations build it)."""
    name = f"marathon_migrations_{uuid.uuid4().hex[:10]}"
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    else:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = POSTGRES_ADMIN_URL.rpartition("/")[0] + "/" + name
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": url,
            "STORAGE_DIR": str(tmp_path / "storage"),
        }
    )
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if database != "sqlite":
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def schema_differences() -> list[Any]:
    """What autogenerate would change to bring the database to the models (empty = the same)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        return compare_metadata(context, db.metadata)


def test_migrations_build_the_same_schema_as_the_models(empty_app: Flask) -> None:
    _migrate(upgrade, "head")
    differences = schema_differences()
    assert differences == [], "\n".join(map(repr, differences))
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set(db.metadata.tables)


def test_migrations_go_down_to_nothing_and_up_again(empty_app: Flask) -> None:
    _migrate(upgrade, "head")
    first = [repr(difference) for difference in schema_differences()]
    _migrate(downgrade, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    _migrate(upgrade, "head")
    # The same schema again (whether or not it matches the models: the test above says that).
    assert [repr(difference) for difference in schema_differences()] == first


# -- data through upgrades -------------------------------------------------------------------


def _value(table: Table, column: Any, parents: dict[str, Any], seed: int) -> Any:
    """A plausible value for ``column``: the parent's key for a foreign key, else by type."""
    for foreign_key in column.foreign_keys:
        parent = foreign_key.column.table.name
        if parent in parents and parent != table.name:
            return parents[parent]
        return None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    if python_type is bool:
        return True
    if python_type is int:
        return seed
    if python_type is float:
        return seed + 0.5
    if python_type is Decimal:
        return Decimal(seed)
    if python_type is datetime:
        return datetime(2025, 12, 10, 18, 30, seed % 60, tzinfo=UTC)
    if python_type is date:
        return date(2025, 12, 10)
    if python_type in (dict, list):
        return {"fr": f"valeur {seed}"}
    length = getattr(column.type, "length", None) or 40
    return f"v{seed}-{table.name}-{column.name}"[:length]


def _fill_every_table() -> dict[str, dict[str, Any]]:
    """One row in every table of the database as it is now; returns the rows as read back."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    keys: dict[str, Any] = {}
    rows: dict[str, dict[str, Any]] = {}
    with db.engine.begin() as connection:
        for seed, table in enumerate(metadata.sorted_tables, start=1):
            if table.name == "alembic_version":
                continue
            values = {}
            for column in table.columns:
                if (
                    column.primary_key
                    and column.autoincrement in (True, "auto")
                    and len(table.primary_key.columns) == 1
                ):
                    continue
                values[column.name] = _value(table, column, keys, seed)
            result = connection.execute(table.insert().values(**values))
            key = result.inserted_primary_key
            if key and len(key) == 1:
                keys[table.name] = key[0]
            rows[table.name] = dict(connection.execute(select(table)).one()._mapping)
    return rows


def _rows_now() -> dict[str, list[dict[str, Any]]]:
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    with db.engine.connect() as connection:
        return {
            name: [dict(row._mapping) for row in connection.execute(select(table))]
            for name, table in metadata.tables.items()
        }


def test_upgrading_a_database_made_at_the_oldest_revision_keeps_its_data(
    empty_app: Flask,
) -> None:
    history = revisions()
    _migrate(upgrade, history[0])
    before = _fill_every_table()
    assert before, "the oldest revision made no tables"

    for revision in history[1:]:
        _migrate(upgrade, revision)
    _migrate(upgrade, "head")  # a no-op when already there: nothing may change either

    after = _rows_now()
    for table, row in before.items():
        assert table in after, f"table {table} disappeared"
        assert len(after[table]) == 1, f"table {table} has {len(after[table])} rows"
        kept = {name: after[table][0][name] for name in row if name in after[table][0]}
        assert kept == {name: row[name] for name in kept}, table

    # And the application still reads them through its models.
    from marathon.cases.models import Case
    from marathon.letters.models import Letter

    letter = db.session.scalars(select(Letter)).one()
    assert letter.case == db.session.scalars(select(Case)).one()
