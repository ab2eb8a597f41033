"""Address labels, cover sheets and the contents sheet, laid out as HTML, rendered by WeasyPrint.

Label sheets (sizes in mm; the layout is absolute, so a sheet prints true to size at 100 %):

- ``a4``: 3 × 7 = 21 labels of 70 × 42.3 mm, butted (no gaps), 0.45 mm top and bottom margins,
  no side margins: the geometry of Avery Zweckform 3652 (and other "70 × 42.3 mm, 21 per sheet"
  stock).
- ``letter``: 3 × 10 = 30 labels of 2.625 × 1 in (66.675 × 25.4 mm): Avery 5160. Left margin
  0.1875 in, top margin 0.5 in, 0.125 in between columns, no gap between rows.

Label text stays inside each label's padding, at least 4 mm from every edge of the sheet (office
printers do not print closer): a label's lines are measured here (a conservative character
width) and set smaller until they fit; :data:`MIN_EDGE_MM` is checked against each sheet.

Rendering goes through the render package's ``render_html_pdf``: the shared fonts ("Marathon
Sans", then "Marathon Naskh" for Arabic lines), the :class:`SafeURLFetcher` (only the app's own
fonts are reachable), under the render package's lock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marathon.render.content import Addressee
from marathon.render.letters import render_html_pdf as render_print
from marathon.render.letters import render_html_pdf_pages

IN = 25.4
PT = 25.4 / 72  # mm per point
MIN_EDGE_MM = 4.0  # label text keeps this far from the sheet's edges
CHAR_EM = 0.62  # a conservative average character width (bold capitals included), in em
LINE_HEIGHT = 1.2
RTL_LINE = 1.6  # an Arabic line's height, in Latin lines (measured on the Naskh face)
FONT_STACK = '"Marathon Sans", "Marathon Naskh", sans-serif'


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
    font_size: float  # points, the largest; long addresses are set smaller
    padding: float
    min_font_size: float = 6.0
    stock: Any = ""  # what to buy (lazy text)

    @property
    def per_sheet(self) -> int:
        """Labels on one sheet."""
        return self.columns * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """Left and top (mm) of label ``index`` on its sheet, row by row."""
        row, column = divmod(index % self.per_sheet, self.columns)
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y

    def text_edges(self) -> float:
        """The smallest distance (mm) from a label's text box to the sheet's edges."""
        right = self.left + (self.columns - 1) * self.pitch_x + self.label_width
        bottom = self.top + (self.rows - 1) * self.pitch_y + self.label_height
        return self.padding + min(
            self.left, self.top, self.page_width - right, self.page_height - bottom
        )


SHEETS = {
    "a4": LabelSheet(
        "A4 3×7, 70 × 42.3 mm",
        210,
        297,
        3,
        7,
        70,
        42.3,
        0,
        0.45,
        70,
        42.3,
        9,
        5,
        min_font_size=6,
        stock=_l(
            "Labels: A4 sheets of 21 labels, 70 × 42.3 mm, 3 × 7 without margins "
            "(Avery Zweckform 3652 or equivalent)."
        ),
    ),
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
        min_font_size=5.5,
        stock=_l("Labels: US Letter sheets of 30 labels, 2⅝ × 1 in (Avery 5160 or equivalent)."),
    ),
}
assert all(sheet.text_edges() >= MIN_EDGE_MM for sheet in SHEETS.values())


def label_stock(paper: str) -> str:
    """The label stock to buy for ``paper`` (translated)."""
    return str(SHEETS[paper].stock)


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


def is_rtl(text: str) -> bool:
    """Whether ``text`` starts (its first strong letter) right to left (Arabic, Hebrew)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _wrapped(line: str, per_line: int) -> float:
    """Lines ``line`` takes when wrapped at ``per_line`` characters (long words broken).

    A right-to-left line counts more: the Naskh face's taller ascent and descent make its lines
    taller than the Latin ones at the same line height.
    """
    count, used = 1, 0
    for word in line.split():
        length = len(word)
        if used and used + 1 + length > per_line:
            count, used = count + 1, 0
        if used:
            used += 1
        while length > per_line:  # overflow-wrap: anywhere
            length -= per_line - used
            count, used = count + 1, 0
        used += length
    return count * (RTL_LINE if is_rtl(line) else 1)


@dataclass(frozen=True)
class FittedLabel:
    """A label as placed: its lines, the font size that fits, and where it sits (mm)."""

    lines: tuple[tuple[str, bool], ...]  # (text, right to left)
    reference: str
    font_size: float
    left: float
    top: float
    truncated: bool = False


def fit_label(label: Label, sheet: LabelSheet) -> tuple[tuple[str, ...], float, bool]:
    """The lines and font size (pt) with which ``label`` fits inside its padding."""
    width = sheet.label_width - 2 * sheet.padding
    height = sheet.label_height - 2 * sheet.padding
    size = sheet.font_size
    lines = label.lines
    while True:
        per_line = max(1, int(width / (CHAR_EM * size * PT)))
        needed = sum(_wrapped(line, per_line) for line in lines)
        reference = 1 if label.reference else 0
        line_mm = LINE_HEIGHT * size * PT
        if (needed + reference * 0.8) * line_mm <= height:
            return lines, size, False
        if size - 0.5 >= sheet.min_font_size:
            size -= 0.5
            continue
        # Too long even at the smallest size: keep what fits, and say it was cut.
        fitting: list[str] = []
        budget = int(height / line_mm - reference * 0.8)
        for line in lines:
            taken = _wrapped(line, per_line)
            if taken > budget:
                break
            fitting.append(line)
            budget -= taken
        if fitting:
            fitting[-1] = fitting[-1][: max(1, per_line - 2)] + " …"
        return tuple(fitting), size, True


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

    return render_print(html, sheets=("fonts.css",))


def place_labels(labels: list[Label], sheet: LabelSheet) -> list[FittedLabel]:
    """``labels`` fitted and positioned on their sheet."""
    placed = []
    for index, label in enumerate(labels):
        lines, size, truncated = fit_label(label, sheet)
        left, top = sheet.position(index)
        placed.append(
            FittedLabel(
                tuple((line, is_rtl(line)) for line in lines),
                label.reference,
                size,
                left,
                top,
                truncated,
            )
        )
    return placed


def render_label_sheets(
    labels: Iterable[Label], paper: str, sheets_per_call: int = 20
) -> Iterator[bytes]:
    """PDFs of the label sheets, ``sheets_per_call`` sheets at a time (memory stays bounded)."""
    sheet = SHEETS[paper]
    for chunk in _chunks(labels, sheet.per_sheet * sheets_per_call):
        pages = [
            place_labels(chunk[i : i + sheet.per_sheet], sheet)
            for i in range(0, len(chunk), sheet.per_sheet)
        ]
        with force_locale(current_app.config["DEFAULT_LOCALE"]):
            html = render_template(
                "batches/print/labels.html", sheet=sheet, pages=pages, font_stack=FONT_STACK
            )
        yield render_html_pdf(html)


# --- cover sheets and the contents sheet --------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    """A cover sheet: what goes in one envelope, to whom, how heavy, for how much."""

    batch_id: int
    number: int
    envelopes: int  # in the batch
    file_name: str
    kind: str
    kind_label: str
    count: int
    person: str
    case_slug: str
    languages: tuple[tuple[str, int], ...]
    lines: tuple[tuple[str, bool], ...]  # (address line, right to left)
    country: str
    country_code: str
    sample: bool
    sheets: int  # sheets of paper (letters) or pieces in the envelope
    printed_pages: int  # pages of this envelope in the file, cover excluded
    printed_sheets: int  # sheets those pages print on
    grams: int
    envelope: str  # the envelope's size, "" for postcards posted alone
    mailed_alone: bool
    postage: str = ""  # formatted price per envelope (per postcard if mailed alone)
    postage_total: str = ""  # for postcards posted alone: the price of all of them
    postage_note: str = ""  # which rate (its date and zone) or why there is none
    letter_kind: bool = False  # an appeal letter (sheets are sheets of paper)


def render_covers(covers: list[Cover], paper: str) -> tuple[bytes, tuple[int, ...]]:
    """The cover sheets on ``paper``, as one PDF (one WeasyPrint call, however many covers),
    and the pages of each cover, in order: a cover starts on a new page and may run over one
    (a very long address).

    Each cover's section has the id ``cover-<index>``; the page that holds its anchor is the
    page it starts on (WeasyPrint's ``Page.anchors``), and it runs up to the next one's.
    """

    if not covers:
        return b"", ()
    with force_locale(current_app.config.get("DEFAULT_LOCALE", "en")):
        html = render_template(
            "batches/print/covers.html", covers=covers, paper=paper, font_stack=FONT_STACK
        )
    pdf, anchors = render_html_pdf_pages(html, sheets=("fonts.css",))
    starts = {}
    for page, names in enumerate(anchors):
        for name in names:
            starts.setdefault(name, page)
    firsts = [starts[f"cover-{index}"] for index in range(len(covers))]
    ends = [*firsts[1:], len(anchors)]
    counts = tuple(end - first for first, end in zip(firsts, ends, strict=True))
    if firsts[0] != 0 or min(counts) < 1:
        raise RuntimeError("cover sheets out of order in their rendered document")
    return pdf, counts


def render_contents(paper: str, **context: Any) -> bytes:
    """The contents sheet of a batch: its files, then its envelopes."""
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        html = render_template(
            "batches/print/contents.html", paper=paper, font_stack=FONT_STACK, **context
        )
    return render_html_pdf(html)
