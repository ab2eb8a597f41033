"""Small helpers shared by the models of every feature package."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (stored naive-UTC on SQLite, aware on PostgreSQL)."""
    return datetime.now(UTC)
