"""Editions, one home: the marathon of one year (December, with letters into January).

The current edition is the ``EDITION`` setting; any other is named by its year, within
:data:`EDITION_YEARS` (a plausible year: an oversized integer would fail in SQL).
"""

from __future__ import annotations

from flask import current_app

EDITION_YEARS = range(2000, 2101)


def current_edition() -> int:
    """The edition letters are written for now (the ``EDITION`` setting)."""
    return int(current_app.config["EDITION"])


def is_edition(value: object) -> bool:
    """Whether ``value`` is an edition's year (an int, not a bool, in :data:`EDITION_YEARS`)."""
    return isinstance(value, int) and not isinstance(value, bool) and value in EDITION_YEARS
