"""Engine set-up that makes counting safe on SQLite: WAL, a busy timeout, immediate writes."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

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
        database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
        if database and database != ":memory:" and not database.startswith("file:"):
            connect_args.setdefault("factory", writer_queue_connection(database))
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
            dbapi_connection = connection.connection.dbapi_connection
            if isinstance(dbapi_connection, _QueuedWriterConnection):
                dbapi_connection.wait_for_turn()
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


# -- SQLite writers take turns --------------------------------------------------------------------

_FIRST_USE = threading.Lock()


class _WriterQueue:
    """Writers of one SQLite file, in every process, take turns through an ``flock``.

    SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps 1, 2,
    5, 10 ... 100 ms between tries, so under a burst of letters a writer often sleeps long after
    the lock was freed (a long p95 and idle cores). Waiting on an ``flock`` instead, the kernel
    wakes the next writer as soon as the previous one commits. The busy timeout stays as the
    safety net. One open file per process (a forked child opens its own: a shared open file
    would share the lock) and a thread lock in front, because ``flock`` does not separate the
    threads of one process.
    """

    def __init__(self, lock_path: str) -> None:
        self._lock_path = lock_path
        self._pid = -1
        self._fd = -1
        self._threads = threading.Lock()

    def acquire(self) -> None:
        if self._pid != os.getpid():
            with _FIRST_USE:
                if self._pid != os.getpid():
                    self._after_fork()
        if not self._threads.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked (waited for another writer)")
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _after_fork(self) -> None:
        # First use in this process: its own open file, and a fresh thread lock (one held by a
        # thread of the parent would never be released here).
        self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._threads = threading.Lock()
        self._pid = os.getpid()


class _QueuedWriterConnection(sqlite3.Connection):
    """A pysqlite connection that takes its writer's turn before BEGIN IMMEDIATE and gives it
    back once the transaction is over, however it ends."""

    writer_queue: _WriterQueue
    _holding = False

    def wait_for_turn(self) -> None:
        if not self._holding:
            self.writer_queue.acquire()
            self._holding = True

    def _give_turn_back(self) -> None:
        if self._holding:
            self._holding = False
            self.writer_queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_turn_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_turn_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_turn_back()


_WRITER_QUEUES: dict[str, type[_QueuedWriterConnection]] = {}


def writer_queue_connection(database: str) -> type[sqlite3.Connection]:
    """The pysqlite connection class whose writers of ``database`` take turns (one per file)."""
    lock_path = f"{Path(database).resolve()}-writers.lock"
    if lock_path not in _WRITER_QUEUES:
        _WRITER_QUEUES[lock_path] = type(
            "QueuedWriterConnection",
            (_QueuedWriterConnection,),
            {"writer_queue": _WriterQueue(lock_path)},
        )
    return _WRITER_QUEUES[lock_path]
