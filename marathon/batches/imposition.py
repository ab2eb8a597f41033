"""Postcards 4-up on A4 or US Letter, fronts and backs on alternating sheets, with crop marks.

Each postcard PDF has two pages: the front (the picture) and the back (message and address);
the cards are A6 landscape (148 × 105 mm). A sheet stays portrait and holds a 2 × 2 block of cards
turned a quarter turn, butted edge to edge and centred:

- A4 (210 × 297 mm): cards at 100 %, the block is 210 × 296 mm.
- US Letter (8.5 × 11 in): two A6 do not fit in 11 in, so cards are scaled to 94.4 %
  (99.1 × 139.7 mm, a quarter of the sheet's height each); the block is 198.2 × 279.4 mm.

Sheets alternate front, back, front, back... Printed double-sided with a long-edge flip (the
printer's default), the back sheet is the front sheet mirrored around its vertical axis, so
the back sheet swaps the two columns: the card in the top-left slot on the front has its back in
the top-right slot. Fronts are turned clockwise and backs counter-clockwise so that, once cut,
each card's back is upright when the card is turned over like a book page.

Crop marks are thin lines drawn on the cut lines from each sheet edge inwards (8 mm): cards are
butted, so a mark lies exactly where the knife passes and is cut away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pypdf import PdfReader

from marathon.batches.pdfstream import PdfStreamWriter

MM = 72 / 25.4
SHEET_SIZES = {"a4": (210 * MM, 297 * MM), "letter": (8.5 * 72, 11 * 72)}
CARDS_PER_SHEET = 4
MARK_LENGTH = 8 * MM
MARK_WIDTH = 0.3  # points


@dataclass(frozen=True)
class Slot:
    """Where a card goes on a sheet: its cell's lower-left corner and the scale."""

    x: float
    y: float
    scale: float


@dataclass(frozen=True)
class SheetLayout:
    """The 2 × 2 grid of one sheet size for cards of one size."""

    width: float
    height: float
    cell_width: float  # a card's width on the sheet (turned a quarter turn if landscape)
    cell_height: float
    scale: float
    x0: float
    y0: float
    rotate: bool

    def slot(self, index: int, *, back: bool) -> Slot:
        """Slot ``index`` (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right)."""
        row, column = divmod(index, 2)
        if back:
            column = 1 - column  # long-edge flip: the back sheet mirrors the columns
        x = self.x0 + column * self.cell_width
        y = self.y0 + (1 - row) * self.cell_height
        return Slot(x, y, self.scale)

    def cut_lines(self) -> tuple[list[float], list[float]]:
        """The x of vertical cuts and the y of horizontal cuts."""
        xs = [self.x0 + i * self.cell_width for i in range(3)]
        ys = [self.y0 + i * self.cell_height for i in range(3)]
        return xs, ys


def layout_for(paper: str, card_width: float, card_height: float) -> SheetLayout:
    """The grid for cards of ``card_width`` × ``card_height`` points on ``paper``."""
    width, height = SHEET_SIZES[paper]
    rotate = card_width > card_height  # landscape cards turn a quarter turn on a portrait sheet
    placed_w, placed_h = (card_height, card_width) if rotate else (card_width, card_height)
    scale = min(1.0, width / (2 * placed_w), height / (2 * placed_h))
    cell_w, cell_h = placed_w * scale, placed_h * scale
    return SheetLayout(
        width=width,
        height=height,
        cell_width=cell_w,
        cell_height=cell_h,
        scale=scale,
        x0=(width - 2 * cell_w) / 2,
        y0=(height - 2 * cell_h) / 2,
        rotate=rotate,
    )


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
    edge = 1.0  # a cut on the sheet's own edge needs no mark
    for x in xs:
        if edge < x < layout.width - edge:
            ops.append(
                f"{x:.3f} {layout.height:.3f} m {x:.3f} {layout.height - MARK_LENGTH:.3f} l S"
            )
            ops.append(f"{x:.3f} 0 m {x:.3f} {MARK_LENGTH:.3f} l S")
    for y in ys:
        if edge < y < layout.height - edge:
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


def impose_postcards(
    writer: PdfStreamWriter,
    sources: Iterable[str],
    paper: str,
    on_card: Callable[[int], None] | None = None,
) -> int:
    """Impose the postcard PDFs ``sources`` 4-up on ``paper``; returns the sheets' pages written.

    Only four cards are open at a time: each card's pages are written once as form XObjects,
    then drawn on the front and back sheets.
    """
    pending: list[_Card] = []
    written = 0

    def flush() -> None:
        nonlocal written
        if not pending:
            return
        layout = layout_for(paper, pending[0].width, pending[0].height)
        marks = crop_marks(layout)
        for back in (False, True):
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
        reader = PdfReader(source)
        mapping: dict[int, int] = {}
        front, width, height = writer.page_as_form(reader.pages[0], mapping)
        back = writer.page_as_form(reader.pages[1], mapping)[0] if len(reader.pages) > 1 else None
        pending.append(_Card(front, back, width, height))
        if len(pending) == CARDS_PER_SHEET:
            flush()
        if on_card is not None:
            on_card(count)
    flush()
    return written
