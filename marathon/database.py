"""Engine set-up that makes counting safe on SQLite: WAL, a busy timeout, immediate writes."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from marathon.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITE_OPTION = "marathon_write"


def engine_options(app: Flask) -> dict[str, Any]:
    """Engine options for the configured database."""
    options: dict[str, Any] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        connect_args.setdefault("check_same_thread", False)
        options["connect_args"] = connect_args
    else:
        options.setdefault("pool_pre_ping", True)
    return options


def configure_sqlite(engine: Engine) -> None:
    """Hand transaction control to us so write transactions start with BEGIN IMMEDIATE.

    pysqlite's deferred transactions upgrade a read lock to a write lock mid-transaction, which
    fails with "database is locked" under concurrent writers instead of waiting for the busy
    timeout. Reads stay deferred so that they never queue behind writers (WAL lets them run).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def begin_write() -> None:
    """Start the session's next transaction as a write transaction (BEGIN IMMEDIATE on SQLite).

    Call it first in every function that changes counted data. A read-only transaction already
    open (a user loaded for the request, say) is ended first; pending changes are never dropped.
    """
    session = db.session()  # the scoped session proxy has no in_transaction()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            return
        session.rollback()
    session.connection(execution_options={WRITE_OPTION: True})
