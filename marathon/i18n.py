"""Language and formatting: the user's choice, else Accept-Language, else the section's default."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, force_locale
from flask_login import current_user

from marathon.kinds import KINDS
from marathon.languages import text_direction

# Languages a letter or a case text may be written in: wider than the interface's languages
# (an Arabic appeal to the Saudi authorities, say).
LANGUAGE_NAMES = {
    "fr": "Français",
    "en": "English",
    "es": "Español",
    "nl": "Nederlands",
    "de": "Deutsch",
    "ar": "العربية",
    "pl": "Polski",
    "mg": "Malagasy",
}


def select_locale() -> str:
    """The interface language for this request."""
    languages: list[str] = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background jobs speak the section's language
        return current_app.config["DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The section's time zone: dates of events and letters are shown in it."""
    return current_app.config["TIMEZONE"]


def init_i18n(app: Flask, babel: Babel) -> None:
    """Bind Flask-Babel with our selectors and expose language helpers to templates."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        language_name=lambda code: LANGUAGE_NAMES.get(code, code),
        text_direction=text_direction,
        mail_kinds=KINDS,
    )


def tr(message: Any) -> str:
    """``str()`` of a lazy string: the visitor's language in a request, else the default one."""
    if has_request_context():
        return str(message)
    with force_locale(current_app.config["CLI_LOCALE"]):
        return str(message)
