"""Time for events: the section's zone, UTC in the database, the tally's local day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def section_zone() -> ZoneInfo:
    """The section's time zone (events are entered and shown in it)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime (SQLite hands back naive UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """``moment`` in the section's time zone."""
    return as_utc(moment).astimezone(section_zone())


def local_to_utc(moment: datetime) -> datetime:
    """A naive wall-clock time typed in the section's zone, as aware UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=section_zone())
    return moment.astimezone(UTC)


def today_local() -> date:
    """Today in the section's time zone (the tally's day)."""
    return datetime.now(section_zone()).date()
