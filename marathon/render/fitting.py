"""How big an address prints: the largest type at which it fits its envelope window.

An address must never be cut and never leave the window: its long lines wrap, and when the wrapped
lines need more height than the window has, the address gets a smaller type size. CSS cannot shrink
text to fit a box, so the size is chosen here, before rendering, by measuring the lines with the
fonts the PDF embeds (advance widths from the font files, no shaping: a close, slightly generous
estimate) and wrapping them the way the browser does, at spaces, breaking a word longer than the
line (``overflow-wrap: anywhere`` in the CSS).

The boxes below repeat the numbers of the stylesheets (letter_templates/shared/window-*.css and
postcard.css); the ``address-size-N`` classes there set the type sizes of :data:`WINDOW_STEPS` and
:data:`POSTCARD_STEPS`. Change both together.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fontTools.ttLib import TTFont

from marathon.render.paths import FONTS_DIR

PT = 25.4 / 72  # mm per point
# Measured widths are a little short of the laid-out ones (kerning, shaping, rounding).
SAFETY = 1.04

FONT_FILES = {
    "serif": "NotoSerif-Regular.ttf",
    "sans": "NotoSans-Regular.ttf",
    "naskh": "NotoNaskhArabic-Regular.ttf",
}


@dataclass(frozen=True)
class Step:
    """One address type size: points, line height (times the size), space above each line (mm)."""

    size_pt: float
    line_height: float = 1.25
    gap_mm: float = 0.0


@dataclass(frozen=True)
class Box:
    """Where an address prints: its text width and the height it may use, in mm."""

    width_mm: float
    height_mm: float
    steps: tuple[Step, ...]
    return_line: bool = False  # the sender's return line takes the top of the window
    ruled_lines: int = 0  # postcards: at least this many ruled lines (blank ones to write on)


# window-*.css: .window .addressee in the address-size-0..3 classes.
WINDOW_STEPS = (Step(10.5), Step(9.5), Step(8.5), Step(7.5))
# postcard.css: .back .address .line in the address-size-0..3 classes.
POSTCARD_STEPS = (
    Step(9, 1.25, 3.0),
    Step(8, 1.25, 2.2),
    Step(7, 1.2, 1.5),
    Step(6.5, 1.15, 1.0),
)
RETURN_LINE = Step(6.5, 1.25)  # appeal.css: .window .return
RETURN_LINE_EXTRA_MM = 1.8  # its rule and the space under it

BOXES: dict[str, Box] = {
    # window-a4-left.css: window 85 x 45 mm; padding 5 mm left and right, 3 mm on top, 2 mm kept
    # clear at the bottom.
    "a4-left": Box(75, 40, WINDOW_STEPS, return_line=True),
    # window-a4-right.css: window 100 x 45 mm; same paddings.
    "a4-right": Box(90, 40, WINDOW_STEPS, return_line=True),
    # window-letter-*.css: the #10 window block 105 mm x 28.5 mm, padding 3 mm left and right,
    # 1.5 mm on top, 1.5 mm kept clear at the bottom; no return line.
    "letter-left": Box(99, 25.5, WINDOW_STEPS),
    "letter-right": Box(99, 25.5, WINDOW_STEPS),
    # postcard.css: the address side is 64 mm wide; the address may rise from the bottom of the
    # address side (84 mm) to 3 mm under the stamp box (25 mm).
    "postcard": Box(64, 56, POSTCARD_STEPS, ruled_lines=5),
}


@functools.cache
def _advances(family: str) -> tuple[dict[int, int], int]:
    """Advance widths of a font by code point, and its units per em (read once per process)."""

    font = TTFont(str(FONTS_DIR / FONT_FILES[family]), lazy=True)
    metrics = font["hmtx"].metrics
    widths = {point: metrics[glyph][0] for point, glyph in font.getBestCmap().items()}
    return widths, font["head"].unitsPerEm


def text_width_mm(text: str, size_pt: float, families: Sequence[str] = ("serif", "naskh")) -> float:
    """The printed width of ``text`` at ``size_pt``, each character in the first font having it."""
    fonts = [_advances(family) for family in families]
    em = 0.0
    for char in text:
        point = ord(char)
        for widths, units in fonts:
            if point in widths:
                em += widths[point] / units
                break
        else:
            em += 0.6  # a character none of our fonts has (printed by the system's)
    return em * size_pt * PT * SAFETY


def wrapped_lines(
    text: str, width_mm: float, size_pt: float, families: Sequence[str] = ("serif", "naskh")
) -> int:
    """How many lines ``text`` takes in a box ``width_mm`` wide (1 for an empty line)."""
    space = text_width_mm(" ", size_pt, families)
    lines, used = 1, 0.0
    for word in text.split():
        width = text_width_mm(word, size_pt, families)
        if width > width_mm:  # a word longer than the line breaks anywhere
            if used:
                lines += 1
            extra = math.ceil(width / width_mm)
            lines += extra - 1
            used = width - (extra - 1) * width_mm
            continue
        if used and used + space + width > width_mm:
            lines += 1
            used = width
        else:
            used = used + space + width if used else width
    return lines


def _height(box: Box, step: Step, lines: Sequence[str], families: Sequence[str]) -> float:
    line_mm = step.size_pt * step.line_height * PT
    entries = [wrapped_lines(line, box.width_mm, step.size_pt, families) for line in lines]
    entries += [1] * max(0, box.ruled_lines - len(entries))
    return sum(count * line_mm + step.gap_mm for count in entries)


def address_size(
    box_name: str,
    lines: Iterable[str],
    *,
    return_line: str = "",
    sample_mark: bool = False,
    rtl: bool = False,
) -> int:
    """The index of the largest step at which ``lines`` fit the box (the last one if none does)."""
    box = BOXES[box_name]
    lines = [line for line in lines if line]
    families = ("naskh", "serif") if rtl else ("serif", "naskh")
    reserved = 4.0 if sample_mark and box.ruled_lines else 0.0
    if box.return_line and return_line:
        return_families = ("naskh", "sans") if rtl else ("sans", "naskh")
        count = wrapped_lines(return_line, box.width_mm, RETURN_LINE.size_pt, return_families)
        reserved += count * RETURN_LINE.size_pt * RETURN_LINE.line_height * PT
        reserved += RETURN_LINE_EXTRA_MM
    for index, step in enumerate(box.steps):
        if reserved + _height(box, step, lines, families) <= box.height_mm:
            return index
    return len(box.steps) - 1


# --- the message: how big it prints, and whether it fits at all --------------------------------


@dataclass(frozen=True)
class TextStep:
    """One text size of a message: points, line height, paragraph gap (em), the fixed parts.

    ``opening_mm`` is the opening line (salutation or greeting) with its margins; ``sign_off_mm``
    the closing formula, the room to sign by hand and the printed name.
    """

    size_pt: float
    line_height: float
    gap_em: float
    opening_mm: float
    sign_off_mm: float


@dataclass(frozen=True)
class MessageBox:
    """Where a kind's message prints: its width and the height of all its pages together (mm)."""

    width_mm: float
    height_mm: float
    steps: tuple[TextStep, ...]


# The numbers of letter_templates/shared/{base,appeal,card,postcard}.css; change both together.
MESSAGE_BOXES: dict[str, MessageBox] = {
    # appeal.css: A4 text column 165 mm (25 + 20 mm margins); two pages of 260 mm less the
    # letterhead, window, date and subject on page 1 (about 115 mm) and room for page breaks.
    # 11 pt, line height 1.4, paragraphs 0.7 em apart; the sign-off keeps 20 mm to sign.
    "appeal": MessageBox(165, 360, (TextStep(11, 1.4, 0.7, opening_mm=8.0, sign_off_mm=36.0),)),
    # card.css: A5 landscape less its margins, 166 x 116 mm, one page. The greeting is 17 pt
    # (14 pt in the smaller sizes) with 7 mm (5 mm) of margins; 11 mm to sign, then 13 pt.
    "card": MessageBox(
        166,
        116,
        (
            TextStep(12.5, 1.45, 0.5, opening_mm=15.4, sign_off_mm=17.5),
            TextStep(11, 1.45, 0.5, opening_mm=11.9, sign_off_mm=17.5),
            TextStep(9.5, 1.45, 0.5, opening_mm=11.9, sign_off_mm=17.5),
        ),
    ),
    # postcard.css: the message side, 63 x 86 mm; the opening is a paragraph of the message; the
    # sign-off is a short closing line, 7 mm to sign and the printed name.
    "postcard": MessageBox(
        63,
        86,
        (
            TextStep(8.5, 1.35, 0.45, opening_mm=5.4, sign_off_mm=17.0),
            TextStep(7.5, 1.35, 0.45, opening_mm=4.8, sign_off_mm=16.0),
            TextStep(6.5, 1.25, 0.45, opening_mm=3.9, sign_off_mm=15.0),
        ),
    ),
}


def paragraphs_of(text: str) -> list[list[str]]:
    """A plain text's paragraphs (blank-line separated), each a list of its lines."""
    blocks = [block for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return [[line for line in block.strip("\n").split("\n")] for block in blocks]


def message_height(
    layout: str, step: TextStep, texts: Iterable[str], *, rtl: bool = False
) -> float:
    """The height in mm the message's texts take at ``step``, opening and sign-off included."""
    box = MESSAGE_BOXES[layout]
    families = ("naskh", "serif") if rtl else ("serif", "naskh")
    line_mm = step.size_pt * step.line_height * PT
    gap_mm = step.gap_em * step.size_pt * PT
    height = step.opening_mm + step.sign_off_mm
    for text in texts:
        for paragraph in paragraphs_of(text):
            lines = sum(
                wrapped_lines(line, box.width_mm, step.size_pt, families) for line in paragraph
            )
            height += lines * line_mm + gap_mm
    return height


def message_step(layout: str, texts: Iterable[str], *, rtl: bool = False) -> int | None:
    """The index of the largest text size at which the message fits its pages, None if none does."""
    box = MESSAGE_BOXES[layout]
    texts = list(texts)
    for index, step in enumerate(box.steps):
        if message_height(layout, step, texts, rtl=rtl) <= box.height_mm:
            return index
    return None


# A long sender's return line (name, town and country of about 30 characters each): what a
# case's address must leave room for in a window. Longer ones make the address print smaller.
LONGEST_RETURN_LINE = "Marie-Christine Dupont-Lefebvre · Saint-Rémy-de-Provence · France"


def address_fits(box_name: str, lines: Iterable[str], *, return_line: str = "") -> bool:
    """Whether ``lines`` fit the box at its smallest type size (wrapped, never cut)."""
    box = BOXES[box_name]
    lines = [line for line in lines if line]
    step = box.steps[-1]
    reserved = 0.0
    if box.return_line and return_line:
        count = wrapped_lines(return_line, box.width_mm, RETURN_LINE.size_pt, ("sans", "naskh"))
        reserved = count * RETURN_LINE.size_pt * RETURN_LINE.line_height * PT
        reserved += RETURN_LINE_EXTRA_MM
    return reserved + _height(box, step, lines, ("serif", "naskh")) <= box.height_mm
