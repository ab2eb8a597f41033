"""Where the letter templates and fonts are: light (no WeasyPrint), for the write path."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, has_app_context

from marathon.config import PROJECT_ROOT

DEFAULT_TEMPLATES_DIR = PROJECT_ROOT / "letter_templates"
FONTS_DIR = PROJECT_ROOT / "marathon" / "static" / "fonts"


def templates_dir() -> Path:
    """The configured ``LETTER_TEMPLATES_DIR`` (the app's when there is one)."""

    if has_app_context():
        return Path(current_app.config.get("LETTER_TEMPLATES_DIR") or DEFAULT_TEMPLATES_DIR)
    return DEFAULT_TEMPLATES_DIR
