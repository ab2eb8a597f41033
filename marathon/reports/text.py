"""Translated text that also works outside a request (CLI commands, the benchmark)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale


def tr(message: Any) -> str:
    """``str()`` of a lazy string: the visitor's language in a request, else the default one."""
    if has_request_context():
        return str(message)
    with force_locale(current_app.config.get("CLI_LOCALE", "en")):
        return str(message)
