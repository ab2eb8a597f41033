"""Address labels and cover sheets, laid out as HTML and rendered with WeasyPrint.

Label sheets (sizes in mm; the layout is absolute, so a sheet prints true to size at 100 %):

- ``a4``: 3 × 7 = 21 labels of 70 × 42.3 mm, butted (no gaps), 0.45 mm top and bottom margins,
  no side margins: the geometry of Avery Zweckform 3652 / L7160-style "70 × 42.3" sheets.
- ``letter``: 3 × 10 = 30 labels of 2.625 × 1 in (66.675 × 25.4 mm): Avery 5160. Left margin
  0.1875 in, top margin 0.5 in, 0.125 in between columns, no gap between rows.

Rendering goes through the render package's WeasyPrint set-up: the :class:`SafeURLFetcher`
(only the app's own fonts are reachable) and one ``FontConfiguration`` per process, under the
render package's lock (WeasyPrint's objects are not shared between threads).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale

from marathon.render.content import Addressee

IN = 25.4


@dataclass(frozen=True)
class LabelSheet:
    """The geometry of a sheet of labels, in millimetres."""

    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    font_size: float  # points
    padding: float

    @property
    def per_sheet(self) -> int:
        """Labels on one sheet."""
        return self.columns * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """Left and top (mm) of label ``index`` on its sheet, row by row."""
        row, column = divmod(index % self.per_sheet, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y


SHEETS = {
    "a4": LabelSheet("A4 3×7, 70 × 42.3 mm", 210, 297, 3, 7, 70, 42.3, 0, 0.45, 70, 42.3, 9, 5),
    "letter": LabelSheet(
        "US Letter 3×10, Avery 5160 (2.625 × 1 in)",
        8.5 * IN,
        11 * IN,
        3,
        10,
        2.625 * IN,
        1 * IN,
        0.1875 * IN,
        0.5 * IN,
        2.75 * IN,
        1 * IN,
        7.5,
        2.5,
    ),
}


@dataclass(frozen=True)
class Label:
    """One label: the address lines, and a small reference (a letter's code) or nothing."""

    lines: tuple[str, ...]
    reference: str = ""


def address_lines(addressee: Addressee) -> tuple[str, ...]:
    """The lines of an address as printed on an envelope."""
    head = " ".join(part for part in (addressee.title, addressee.name) if part)
    lines = [head, *addressee.address_lines, addressee.country]
    return tuple(line for line in lines if line)


def _chunks(labels: Iterable[Label], size: int) -> Iterator[list[Label]]:
    chunk: list[Label] = []
    for label in labels:
        chunk.append(label)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def render_html_pdf(html: str) -> bytes:
    """A PDF from our own print HTML, with the app's fonts and nothing else reachable."""
    from weasyprint import HTML

    from marathon.render import letters as render_letters
    from marathon.render.fetcher import SafeURLFetcher, asset_url

    with render_letters._lock:
        renderer = render_letters._renderer()
        fonts = renderer.sheet("fonts.css")
        document = HTML(
            string=html, base_url=asset_url("shared", "print.html"), url_fetcher=SafeURLFetcher()
        ).render(font_config=renderer.font_config, stylesheets=[fonts])
        return document.write_pdf()


def label_pages(labels: list[Label], paper: str) -> int:
    """Sheets needed for ``labels``."""
    return math.ceil(len(labels) / SHEETS[paper].per_sheet)


def render_label_sheets(
    labels: Iterable[Label], paper: str, sheets_per_call: int = 20
) -> Iterator[bytes]:
    """PDFs of the label sheets, ``sheets_per_call`` sheets at a time (memory stays bounded)."""
    sheet = SHEETS[paper]
    for chunk in _chunks(labels, sheet.per_sheet * sheets_per_call):
        pages = [chunk[i : i + sheet.per_sheet] for i in range(0, len(chunk), sheet.per_sheet)]
        placed = [
            [(label, *sheet.position(index)) for index, label in enumerate(page)] for page in pages
        ]
        with force_locale(current_app.config.get("DEFAULT_LOCALE", "en")):
            html = render_template("batches/print/labels.html", sheet=sheet, pages=placed)
        yield render_html_pdf(html)


@dataclass(frozen=True)
class Cover:
    """A cover sheet: who a group of letters goes to, and how many."""

    lines: tuple[str, ...]
    person: str
    case_slug: str
    count: int
    batch_id: int
    index: int
    groups: int


def render_covers(covers: list[Cover], paper: str) -> bytes:
    """One page per cover sheet, on ``paper``."""
    with force_locale(current_app.config.get("DEFAULT_LOCALE", "en")):
        html = render_template("batches/print/covers.html", covers=covers, paper=paper)
    return render_html_pdf(html)
