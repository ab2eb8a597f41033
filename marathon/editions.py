"""Editions, one home: the marathon of one year (December, with letters into January).

The current edition is the ``EDITION`` setting; any other is named by its year, within
:data:`EDITION_YEARS` (a plausible year: an oversized integer would fail in SQL).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

EDITION_YEARS = range(2000, 2101)


def current_edition() -> int:
    """The edition letters are written for now (the ``EDITION`` setting)."""
    return int(current_app.config["EDITION"])


def is_edition(value: object) -> bool:
    """Whether ``value`` is an edition's year (an int, not a bool, in :data:`EDITION_YEARS`)."""
    return isinstance(value, int) and not isinstance(value, bool) and value in EDITION_YEARS


def parse_edition(raw: Any) -> int:
    """The edition year written in ``raw``; ``ValueError`` (with a message saying what to write)
    when it is not a year in :data:`EDITION_YEARS`.

    The one rule for ``?edition=``: ``marathon.web.edition_arg`` on pages, the API's query
    schemas (:mod:`marathon.api.schemas`) on ``/api/v1``.
    """
    # ASCII digits only (int() would also read "٢٠٢٥", " 2025" or "2_025"), and few of them:
    # int() refuses thousands of digits with a ValueError of its own.
    digits = isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 8
    if not digits or int(raw) not in EDITION_YEARS:
        raise ValueError(_("The edition must be a year, like %(year)s.", year=2025))
    return int(raw)
