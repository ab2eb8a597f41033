"""Country names, the same on every page, letter and API answer."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError


def country_name(code: str, language: str) -> str:
    """A country's name in ``language`` (Babel's territory names), else in English, else the code.

    A language Babel does not know falls back to English; an unknown code is shown as given.
    """
    if not code:
        return ""
    try:
        territories = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError, TypeError):
        territories = Locale("en").territories
    return territories.get(code.upper(), code)
