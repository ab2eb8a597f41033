"""Statements of the hot path: built with Core once, run as plain SQL on the DBAPI cursor.

Writing a letter is what the whole marathon does thousands of times an hour. Through
SQLAlchemy's execution machinery each statement costs about 0.1 ms of Python, several times what
SQLite or PostgreSQL spend on it; five statements per letter were half of what a letter cost. A
:class:`PreparedStatement` keeps the statement as a Core construct (so the SQL follows the
models), compiles it once per dialect, and runs the text on the cursor of the session's own
connection: same transaction, same connection pool, same write lock.

Values go to the driver as they are: callers pass what the driver takes (for SQLite, text for
dates and times: see :func:`sqlite_datetime`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy.dialects import sqlite

from marathon.extensions import db

# pysqlite takes :name parameters with a mapping; the dialect's default (qmark) needs tuples.
_SQLITE_NAMED = sqlite.dialect(paramstyle="named")


class PreparedStatement:
    """A Core statement run as SQL text on the raw cursor.

    ``build(dialect_name)`` makes the statement on first use per dialect (upserts differ).
    """

    def __init__(self, build: Callable[[str], Any]) -> None:
        self._build = build
        self._texts: dict[str, str] = {}
        self._lock = threading.Lock()

    def text(self, dialect: Any) -> str:
        """The statement's SQL for ``dialect``, compiled once."""
        text = self._texts.get(dialect.name)
        if text is None:
            with self._lock:
                target = _SQLITE_NAMED if dialect.name == "sqlite" else dialect
                text = str(self._build(dialect.name).compile(dialect=target))
                self._texts[dialect.name] = text
        return text

    def execute(self, params: Mapping[str, Any], on: RawConnection | None = None) -> Any:
        """Run it in the session's current transaction; returns the DBAPI cursor.

        ``on``: the :func:`raw_connection` of a caller running several statements (saves a
        look-up through the session per statement).
        """
        raw = on or raw_connection()
        cursor = raw.dbapi.cursor()
        cursor.execute(self.text(raw.dialect), params)
        return cursor

    def executemany(
        self, params: Iterable[Mapping[str, Any]], on: RawConnection | None = None
    ) -> None:
        """Run it once per mapping, in the session's current transaction."""
        raw = on or raw_connection()
        cursor = raw.dbapi.cursor()
        cursor.executemany(self.text(raw.dialect), list(params))
        cursor.close()


class RawConnection(NamedTuple):
    """The DBAPI connection under the session's current transaction, and its dialect."""

    dbapi: Any
    dialect: Any

    @property
    def is_sqlite(self) -> bool:
        """Whether values go as SQLAlchemy stores them in SQLite (text dates)."""
        return self.dialect.name == "sqlite"


def raw_connection() -> RawConnection:
    """The session's connection (its transaction begun if need be), as a :class:`RawConnection`."""
    connection = db.session.connection()
    return RawConnection(connection.connection.dbapi_connection, connection.dialect)


def sqlite_datetime(moment: datetime) -> str:
    """A datetime as SQLAlchemy's SQLite ``DateTime`` stores it (UTC wall time, microseconds)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def db_datetime(moment: datetime, raw: RawConnection) -> Any:
    """``moment`` as the driver of ``raw`` takes it for a ``DateTime`` column."""
    return sqlite_datetime(moment) if raw.is_sqlite else moment


def db_date(day: date, raw: RawConnection) -> Any:
    """``day`` as the driver of ``raw`` takes it for a ``Date`` column."""
    return day.isoformat() if raw.is_sqlite else day


def read_datetime(value: Any) -> datetime:
    """A ``DateTime`` column's value as read by the driver (text on SQLite), as a datetime."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value
