"""Cards 2-up and postcards 4-up on A4 or US Letter, with crop marks; backs mirrored for duplex.

A card of solidarity is A5 landscape (210 × 148 mm), one page. A postcard is A6 landscape
(148 × 105 mm), two pages: the front (the picture) and the back (message and address). A sheet
stays portrait; the grid (columns × rows, cards turned a quarter turn or not) is the one that
prints the cards largest, butted edge to edge and centred:

- Cards, 2-up, one above the other, upright: on A4 (210 × 297 mm) at 100 % (a 210 × 296 mm
  block); on US Letter (8.5 × 11 in) two A5 do not fit in 11 in, so they are scaled to 94.4 %
  (198.2 × 139.7 mm each, half the sheet's height).
- Postcards, 4-up, a 2 × 2 block turned a quarter turn: on A4 at 100 % (210 × 296 mm); on US
  Letter scaled to 94.4 % (99.1 × 139.7 mm each).

Two-sided pieces (postcards) give sheets alternating front, back, front, back... Printed
double-sided with a long-edge flip (the printer's default), the back sheet is the front sheet
mirrored around its vertical axis, so the back sheet swaps the columns: the card in the top-left
slot on the front has its back in the top-right slot. Turned fronts go clockwise and backs
counter-clockwise so that, once cut, each card's back is upright when the card is turned over
like a book page. One-sided pieces (cards) give front sheets only.

Crop marks are thin lines drawn on the cut lines from each sheet edge inwards (8 mm): cards are
butted, so a mark lies exactly where the knife passes and is cut away.

Each call imposes the pieces of one envelope: a sheet never holds two envelopes' pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from marathon.batches.pdfstream import PageSizeError, PdfStreamWriter, Source, check_size

MM = 72 / 25.4
SHEET_SIZES = {"a4": (210 * MM, 297 * MM), "letter": (8.5 * 72, 11 * 72)}
# The size of one piece, by the kind's paper (landscape): A5 cards, A6 postcards.
PIECE_SIZES = {"card": (210 * MM, 148 * MM), "postcard": (148 * MM, 105 * MM)}
CARDS_PER_SHEET = 4  # postcards
PER_SHEET = {"card": 2, "postcard": 4}  # by the kind's paper
MARK_LENGTH = 8 * MM
MARK_WIDTH = 0.3  # points
EDGE = 1 * MM  # a cut this close to the sheet's edge is the edge: no mark


@dataclass(frozen=True)
class Slot:
    """Where a card goes on a sheet: its cell's lower-left corner and the scale."""

    x: float
    y: float
    scale: float


@dataclass(frozen=True)
class SheetLayout:
    """The grid of one sheet size for cards of one size."""

    width: float
    height: float
    cell_width: float  # a card's width on the sheet (turned a quarter turn if rotate)
    cell_height: float
    scale: float
    x0: float
    y0: float
    rotate: bool
    columns: int = 2
    rows: int = 2

    @property
    def per_sheet(self) -> int:
        """Cards on one sheet."""
        return self.columns * self.rows

    def slot(self, index: int, *, back: bool) -> Slot:
        """Slot ``index``, row by row from the top-left."""
        row, column = divmod(index, self.columns)
        if back:
            column = self.columns - 1 - column  # long-edge flip: the back mirrors the columns
        x = self.x0 + column * self.cell_width
        y = self.y0 + (self.rows - 1 - row) * self.cell_height
        return Slot(x, y, self.scale)

    def cut_lines(self) -> tuple[list[float], list[float]]:
        """The x of vertical cuts and the y of horizontal cuts."""
        xs = [self.x0 + i * self.cell_width for i in range(self.columns + 1)]
        ys = [self.y0 + i * self.cell_height for i in range(self.rows + 1)]
        return xs, ys


def layout_for(
    paper: str, card_width: float, card_height: float, per_sheet: int = CARDS_PER_SHEET
) -> SheetLayout:
    """The grid that prints ``per_sheet`` cards of ``card_width`` × ``card_height`` largest."""
    width, height = SHEET_SIZES[paper]
    best: SheetLayout | None = None
    for columns in range(1, per_sheet + 1):
        if per_sheet % columns:
            continue
        rows = per_sheet // columns
        for rotate in (False, True):
            placed_w, placed_h = (card_height, card_width) if rotate else (card_width, card_height)
            scale = min(1.0, width / (columns * placed_w), height / (rows * placed_h))
            if best is not None and scale <= best.scale + 1e-9:
                continue
            cell_w, cell_h = placed_w * scale, placed_h * scale
            best = SheetLayout(
                width=width,
                height=height,
                cell_width=cell_w,
                cell_height=cell_h,
                scale=scale,
                x0=(width - columns * cell_w) / 2,
                y0=(height - rows * cell_h) / 2,
                rotate=rotate,
                columns=columns,
                rows=rows,
            )
    assert best is not None
    return best


def _placement(layout: SheetLayout, slot: Slot, card_w: float, card_h: float, back: bool) -> str:
    """The ``cm`` operator that draws a card's page (0..w, 0..h) into ``slot``."""
    s = slot.scale
    if not layout.rotate:
        return f"{s:.5f} 0 0 {s:.5f} {slot.x:.3f} {slot.y:.3f} cm"
    if not back:  # clockwise: the card's top points right
        return f"0 {-s:.5f} {s:.5f} 0 {slot.x:.3f} {slot.y + card_w * s:.3f} cm"
    # counter-clockwise: the card's top points left
    return f"0 {s:.5f} {-s:.5f} 0 {slot.x + card_h * s:.3f} {slot.y:.3f} cm"


def crop_marks(layout: SheetLayout) -> str:
    """PDF operators drawing the crop marks of ``layout``."""
    xs, ys = layout.cut_lines()
    ops = [f"q 0 G {MARK_WIDTH} w"]
    for x in xs:
        if EDGE < x < layout.width - EDGE:
            ops.append(
                f"{x:.3f} {layout.height:.3f} m {x:.3f} {layout.height - MARK_LENGTH:.3f} l S"
            )
            ops.append(f"{x:.3f} 0 m {x:.3f} {MARK_LENGTH:.3f} l S")
    for y in ys:
        if EDGE < y < layout.height - EDGE:
            ops.append(f"0 {y:.3f} m {MARK_LENGTH:.3f} {y:.3f} l S")
            ops.append(f"{layout.width:.3f} {y:.3f} m {layout.width - MARK_LENGTH:.3f} {y:.3f} l S")
    ops.append("Q")
    return "\n".join(ops)


@dataclass
class _Card:
    front: int
    back: int | None
    width: float
    height: float


class ImposedSizeError(ValueError):
    """A piece is not the size its kind prints at (a card that is not A5...)."""

    def __init__(self, index: int) -> None:
        super().__init__(f"piece {index} has an unexpected page size")
        self.index = index


def impose(
    writer: PdfStreamWriter,
    sources: Iterable[str],
    paper: str,
    *,
    per_sheet: int = CARDS_PER_SHEET,
    two_sided: bool = True,
    on_card: Callable[[int], None] | None = None,
    expected_size: tuple[float, float] | None = None,
) -> int:
    """Impose the PDFs ``sources`` ``per_sheet``-up on ``paper``; returns the pages written.

    ``two_sided``: each front sheet is followed by its back sheet (mirrored), else front sheets
    only. ``expected_size`` (points): every piece's pages must be that size (within 1 pt), else
    :class:`ImposedSizeError` with the piece's index. Only one sheet's cards are open at a time:
    each card's pages are written once as form XObjects, then drawn on the sheets.
    """
    pending: list[_Card] = []
    written = 0

    def flush() -> None:
        nonlocal written
        if not pending:
            return
        layout = layout_for(paper, pending[0].width, pending[0].height, per_sheet)
        marks = crop_marks(layout)
        for back in (False, True) if two_sided else (False,):
            ops, xobjects = [], {}
            for index, card in enumerate(pending):
                form = card.back if back else card.front
                if form is None:
                    continue
                name = f"/C{index}"
                xobjects[name] = form
                slot = layout.slot(index, back=back)
                placement = _placement(layout, slot, card.width, card.height, back)
                ops.append(f"q {placement} {name} Do Q")
            ops.append(marks)
            writer.add_content_page(
                layout.width, layout.height, "\n".join(ops).encode("ascii"), xobjects
            )
            written += 1
        pending.clear()

    for count, source in enumerate(sources, start=1):
        with Source(source) as opened:
            pages = list(opened.pages)
            if expected_size is not None:
                for page in pages:
                    try:
                        check_size(page, expected_size)
                    except PageSizeError:
                        raise ImposedSizeError(count - 1) from None
            front, width, height = writer.page_as_form(pages[0], opened)
            back = None
            if two_sided and len(pages) > 1:
                back = writer.page_as_form(pages[1], opened)[0]
        pending.append(_Card(front, back, width, height))
        if len(pending) == per_sheet:
            flush()
        if on_card is not None:
            on_card(count)
    flush()
    return written


def sheets_for(pieces: int, per_sheet: int, two_sided: bool) -> int:
    """Pages an envelope's ``pieces`` take once imposed."""
    sheets = -(-pieces // per_sheet)
    return sheets * (2 if two_sided else 1)
