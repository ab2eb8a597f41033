"""The one clock: now in UTC, UTC in the database, the section's time zone and its local day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (stored naive-UTC on SQLite, aware on PostgreSQL)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands back naive datetimes; they were stored as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def section_zone() -> ZoneInfo:
    """The section's time zone (events are entered and shown in it, totals are by its day)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment: datetime) -> datetime:
    """``moment`` in the section's time zone."""
    return as_utc(moment).astimezone(section_zone())


def local_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in the section's time zone (totals are by local day)."""
    return to_local(moment).date()


def local_to_utc(moment: datetime) -> datetime:
    """A naive wall-clock time typed in the section's zone, as aware UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=section_zone())
    return moment.astimezone(UTC)


def today_local() -> date:
    """Today in the section's time zone (the tally's day)."""
    return datetime.now(section_zone()).date()
