"""Letters, cards and postcards to HTML (preview) and PDF (WeasyPrint).

Speed: a warm render reuses one ``FontConfiguration`` and the parsed ``weasyprint.CSS`` objects
of the shared stylesheets (parsed once per process, fonts loaded once), and the compiled Jinja
templates; only the letter's own HTML is parsed and laid out each time. WeasyPrint's objects are
not meant to be shared between threads, so renders in one process take turns on a lock (the work
is CPU-bound under the GIL anyway; batches use several processes for several cores).

Safety: every ``HTML()`` and ``CSS()`` gets a :class:`SafeURLFetcher`, which serves only the app's
own fonts, stylesheets and case pictures.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from marathon.kinds import KINDS
from marathon.render import templating
from marathon.render.content import LetterContent
from marathon.render.fetcher import SafeURLFetcher, asset_url
from marathon.render.paths import templates_dir
from marathon.render.templating import (
    WINDOW_SIDES,
    UnknownTemplate,
    default_body,
    render_template,
    template_languages,
    text_direction,
    window_side,
)

__all__ = [
    "default_body",
    "layout_stylesheets",
    "render_html_pdf",
    "render_letter_document",
    "render_letter_html",
    "render_letter_pdf",
    "render_letters_pdf",
    "render_lock",
    "render_preview_html",
    "shared_renderer",
    "stylesheet_names",
    "template_languages",
]

PREVIEW_IMAGE_MAX_BYTES = 2 * 1024 * 1024
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)


SheetKey = tuple[str, str, str, str]  # layout, paper, direction, window side


def layout_stylesheets(layout: str, paper: str, direction: str, window: str = "left") -> list[str]:
    """The shared stylesheets (in ``letter_templates/shared``) of one layout.

    ``layout`` is a kind's ``layout`` (appeal, card, postcard). An appeal letter adds its paper's
    size and fold marks, then its envelope window's geometry, by paper and side:
    ``window-a4-left.css``, ``window-a4-right.css``, ``window-letter-left.css``,
    ``window-letter-right.css``.
    """
    names = ["fonts.css", "base.css", f"{layout}.css"]
    if layout == "appeal":
        paper = "letter" if paper == "letter" else "a4"
        side = window if window in WINDOW_SIDES else "left"
        names += [f"paper-{paper}.css", f"window-{paper}-{side}.css"]
    if direction == "rtl":
        names.append(f"{layout}-rtl.css")
    return names


def _layout(kind_name: str) -> str:
    known = KINDS.get(kind_name)
    if known is None:
        raise UnknownTemplate(f"unknown kind {kind_name!r}")
    return known.layout


def stylesheet_names(kind_name: str, paper: str, direction: str, window: str = "left") -> list[str]:
    """The shared stylesheets of one kind of document (by the kind's layout)."""
    return layout_stylesheets(_layout(kind_name), paper, direction, window)


def _sheet_key(content: LetterContent) -> SheetKey:
    layout = _layout(content.kind)
    if layout != "appeal":  # only appeal letters change with the paper and the window
        return layout, "a4", text_direction(content.language), "left"
    paper = "letter" if content.paper == "letter" else "a4"
    return layout, paper, text_direction(content.language), window_side(content)


class _Renderer:
    """One process's WeasyPrint state: the font configuration and the parsed stylesheets."""

    def __init__(self, shared_dir: Path) -> None:
        self.pid = os.getpid()
        self.shared_dir = shared_dir
        self.font_config = FontConfiguration()
        # Fetches the fonts named in fonts.css, once, while the stylesheets are parsed.
        self.fetcher = SafeURLFetcher()
        self._sheets: dict[str, CSS] = {}
        self._sets: dict[SheetKey, list[CSS]] = {}

    def sheet(self, name: str) -> CSS:
        css = self._sheets.get(name)
        if css is None:
            css = CSS(
                string=(self.shared_dir / name).read_text(encoding="utf-8"),
                base_url=asset_url("shared", name),
                url_fetcher=self.fetcher,
                font_config=self.font_config,
            )
            self._sheets[name] = css
        return css

    def stylesheets(self, key: SheetKey) -> list[CSS]:
        sheets = self._sets.get(key)
        if sheets is None:
            sheets = [self.sheet(name) for name in layout_stylesheets(*key)]
            self._sets[key] = sheets
        return sheets


_lock = threading.RLock()
# Public name: hold it while using shared_renderer()'s font configuration or stylesheets.
render_lock = _lock
_renderers: dict[Path, _Renderer] = {}


def _renderer() -> _Renderer:
    shared_dir = templates_dir() / "shared"
    renderer = _renderers.get(shared_dir)
    if renderer is None or renderer.pid != os.getpid():  # never reuse Pango state across fork
        renderer = _renderers[shared_dir] = _Renderer(shared_dir)
    return renderer


def shared_renderer() -> _Renderer:
    """This process's font configuration (``.font_config``) and parsed stylesheets (``.sheet()``).

    Use it under :data:`render_lock`.
    """
    return _renderer()


def render_html_pdf(
    html: str,
    *,
    sheets: Iterable[str] = ("fonts.css", "base.css"),
    extra_css: Iterable[CSS] = (),
    fetcher: SafeURLFetcher | None = None,
) -> bytes:
    """A PDF of our own print HTML (cover sheets, labels...), with the shared fonts and styles.

    ``sheets`` are names in ``letter_templates/shared`` (parsed once, cached); the HTML should not
    link stylesheets itself (they would be fetched and parsed on every call).
    """
    with _lock:
        renderer = _renderer()
        stylesheets = [renderer.sheet(name) for name in sheets] + list(extra_css)
        document = HTML(string=html, url_fetcher=fetcher or SafeURLFetcher()).render(
            font_config=renderer.font_config, stylesheets=stylesheets
        )
        return document.write_pdf()


def render_html_pdf_pages(
    html: str, *, sheets: Iterable[str] = ("fonts.css", "base.css")
) -> tuple[bytes, list[frozenset[str]]]:
    """:func:`render_html_pdf`, and the anchors of each page: the ``id`` of every element that
    starts on it (WeasyPrint's ``Page.anchors``), to find where each part of a document begins
    without rendering the parts one by one."""
    with _lock:
        renderer = _renderer()
        stylesheets = [renderer.sheet(name) for name in sheets]
        document = HTML(string=html, url_fetcher=SafeURLFetcher()).render(
            font_config=renderer.font_config, stylesheets=stylesheets
        )
        anchors = [frozenset(page.anchors) for page in document.pages]
        return document.write_pdf(), anchors


def reset_caches() -> None:
    """Forget the font configuration and parsed stylesheets (after editing shared CSS)."""
    with _lock:
        _renderers.clear()
        templating.reset()


def render_letter_html(content: LetterContent) -> str:
    """The letter as a whole HTML document, linking its stylesheets by ``marathon-asset://`` URL.

    Self-contained for WeasyPrint with a :class:`SafeURLFetcher` (which serves those URLs); for a
    browser use :func:`render_preview_html`.
    """
    key = _sheet_key(content)
    links = [asset_url("shared", name) for name in layout_stylesheets(*key)]
    return render_template(content, stylesheets=links)


def _preview_css(key: SheetKey) -> str:
    shared = templates_dir() / "shared"
    parts = [(shared / name).read_text(encoding="utf-8") for name in layout_stylesheets(*key)]
    parts.append((shared / "preview.css").read_text(encoding="utf-8"))
    # Browsers cannot reach marathon-asset:// URLs: drop the @font-face rules, the font stacks
    # fall back to the system's fonts.
    css = _FONT_FACE.sub("", "\n".join(parts))
    return css.replace("</", "<\\/")


def _data_uri(path: str | None) -> str | None:
    if not path:
        return None
    fetcher = SafeURLFetcher()
    try:
        real = fetcher.resolve(Path(path).resolve().as_uri())
    except ValueError:
        return None
    if real.stat().st_size > PREVIEW_IMAGE_MAX_BYTES:
        return None
    mime_type = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
    return f"data:{mime_type};base64,{base64.b64encode(real.read_bytes()).decode('ascii')}"


def render_preview_html(content: LetterContent) -> str:
    """The letter for a browser preview (iframe): CSS inlined, no external URL at all.

    The case picture, if any, is inlined as a ``data:`` URI; fonts are the system's.
    """
    key = _sheet_key(content)
    return render_template(
        content,
        inline_css=Markup(_preview_css(key)),  # our own CSS, never user text
        photo_url=_data_uri(content.photo_path),
    )


def render_letter_document(
    content: LetterContent, *, fetcher: SafeURLFetcher | None = None
) -> Document:
    """The laid-out WeasyPrint document (pages) of one letter, for callers that assemble pages."""
    html = render_template(content)  # no <link>: the cached, parsed stylesheets are given below
    with _lock:
        renderer = _renderer()
        sheets = renderer.stylesheets(_sheet_key(content))
        return HTML(string=html, url_fetcher=fetcher or SafeURLFetcher()).render(
            font_config=renderer.font_config, stylesheets=sheets
        )


def render_letter_pdf(content: LetterContent, *, fetcher: SafeURLFetcher | None = None) -> bytes:
    """The PDF of one letter, card or postcard (fonts embedded and subset, text extractable).

    ``fetcher`` lets a caller (a test) see what the document asked for.
    """
    with _lock:
        return render_letter_document(content, fetcher=fetcher).write_pdf()


def render_letters_pdf(contents: Iterable[LetterContent]) -> bytes:
    """Several letters in one PDF. Holds every page in memory: for a handful, not a batch."""
    with _lock:
        documents = [render_letter_document(content) for content in contents]
        if not documents:
            raise ValueError("no letters to render")
        pages = [page for document in documents for page in document.pages]
        return documents[0].copy(pages).write_pdf()
