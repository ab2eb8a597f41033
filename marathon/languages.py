"""Languages as data, without Flask: which ones are written right to left.

Imported by the interface (``marathon.i18n``) and by the letter renderer (``marathon.render``).
"""

from __future__ import annotations

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


def text_direction(language: str) -> str:
    """``rtl`` for right-to-left languages (``ar``, ``ar_SA``, ``ar-SA``), else ``ltr``."""
    return "rtl" if (language or "").split("-")[0].split("_")[0] in RTL_LANGUAGES else "ltr"
