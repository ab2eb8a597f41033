"""Numbers formatted fast in the reader's language, for large report tables."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import format_decimal


def integer_formatter() -> Callable[[int], str]:
    """A fast integer formatter in the current locale (Babel's costs ~0.3 ms a call).

    Babel is asked twice, to learn the group separator and whether 4-digit numbers are grouped
    (Spanish writes 1000 but 10 000); then every number is formatted with plain Python.
    """

    big = format_decimal(1234567)
    separator = big[1 : big.index("234")] if "234" in big else ""
    group_four = format_decimal(1000) != "1000"

    def fmt(value: int) -> str:
        value = int(value)
        if not separator or (not group_four and abs(value) < 10000):
            return str(value)
        return f"{value:,}".replace(",", separator)

    return fmt
