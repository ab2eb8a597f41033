"""The process's one font configuration, for other parts that render with WeasyPrint."""

from __future__ import annotations

from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration

from marathon.render.letters import shared_renderer


def font_configuration() -> FontConfiguration:
    """The shared ``FontConfiguration`` (the app's fonts loaded once). Use it under
    ``marathon.render.letters.render_lock``, with :func:`fonts_stylesheet`."""

    return shared_renderer().font_config


def fonts_stylesheet() -> CSS:
    """The parsed ``@font-face`` rules of the app's fonts, bound to :func:`font_configuration`."""

    return shared_renderer().sheet("fonts.css")
