"""Translated text that also works outside a request (CLI commands, the benchmark)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale


def tr(message: Any) -> str:
    """``str()`` of a lazy string: the visitor's language in a request, else the default one."""
    if has_request_context():
        return str(message)
    with force_locale(current_app.config.get("CLI_LOCALE", "en")):
        return str(message)


def integer_formatter() -> Callable[[int], str]:
    """A fast integer formatter in the current locale (Babel's costs ~0.3 ms a call).

    Babel is asked twice, to learn the group separator and whether 4-digit numbers are grouped
    (Spanish writes 1000 but 10 000); then every number is formatted with plain Python.
    """
    from flask_babel import format_decimal

    big = format_decimal(1234567)
    separator = big[1 : big.index("234")] if "234" in big else ""
    group_four = format_decimal(1000) != "1000"

    def fmt(value: int) -> str:
        value = int(value)
        if not separator or (not group_four and abs(value) < 10000):
            return str(value)
        return f"{value:,}".replace(",", separator)

    return fmt
