"""The address shows through the envelope's window, whole: every word of it printed inside the
window's rectangle (read from the PDF), long lines wrapped, never cut. Same on the postcards'
address side."""

from __future__ import annotations

from dataclasses import replace

import pytest

from marathon.render.letters import render_letter_html, render_letter_pdf
from tests.render_support import ADDRESSEE, inside, make_content, page_words, text_lines, words_of

INCH = 25.4
# The windows, in mm from the paper's top left edge: left, top, right, bottom.
WINDOWS = {
    # DIN 5008 form B: 85 x 45 mm, 20 mm from the left edge, 45 mm from the top.
    ("a4", "left"): (20, 45, 105, 90),
    # French DL/C5 window envelope: 100 x 45 mm, right edge 20 mm from the paper's right edge
    # (210 - 20 = 190), top 50 mm from the top.
    ("a4", "right"): (90, 50, 190, 95),
    # US #10: 4 1/2 x 1 1/8 in, 7/8 in from the left; on the tri-folded sheet 2 1/8 in to 3 1/4 in
    # from the top.
    ("letter", "left"): (7 / 8 * INCH, 2.125 * INCH, (7 / 8 + 4.5) * INCH, 3.25 * INCH),
    # Mirrored: its right edge 7/8 in from the paper's right edge (8 1/2 in wide).
    ("letter", "right"): (
        (8.5 - 7 / 8 - 4.5) * INCH,
        2.125 * INCH,
        (8.5 - 7 / 8) * INCH,
        3.25 * INCH,
    ),
}
LONG_LINE = "Ministère de la Justice et des Droits Humains, Direction des Affaires Pénales"
assert len(LONG_LINE) >= 70
ADDRESSES = {
    "sample": ADDRESSEE,
    "long line": replace(
        ADDRESSEE, address_lines=(LONG_LINE, "BP 955", "Antananarivo 101"), is_sample=False
    ),
    "long everything": replace(
        ADDRESSEE,
        title="Son Excellence Monsieur le Garde des Sceaux, Ministre de la Justice",
        address_lines=(LONG_LINE, "Immeuble administratif de Faravohitra, porte 12", "BP 231"),
    ),
}


def address_lines(address) -> list[str]:
    return [
        line
        for line in (address.title, address.name, *address.address_lines, address.country.upper())
        if line
    ]


@pytest.mark.parametrize("language", ["fr", "ar"])
@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize(("paper", "side"), WINDOWS)
def test_every_word_of_the_address_is_inside_the_window(
    paper: str, side: str, address: str, language: str
) -> None:
    # An Arabic letter keeps the window where the envelope has it (its Latin address reads the
    # same, right-aligned).
    addressee = ADDRESSES[address]
    content = make_content("appeal", language, paper=paper, window=side, addressee=addressee)
    pdf = render_letter_pdf(content)
    words = page_words(pdf, 0)
    left, top, right, bottom = WINDOWS[(paper, side)]
    lines = address_lines(addressee)
    printed = words_of(words, " ".join(lines))  # the whole address, in order: nothing cut
    outside = [w for w in printed if not inside(w, left, top, right, bottom)]
    assert not outside, [
        (w.text, round(w.x0), round(w.top), round(w.x1), round(w.bottom)) for w in outside
    ]
    if LONG_LINE in lines and paper == "a4":
        # Wider than the window: it wrapped, its words are on more than one printed line. (The
        # US window is wider but lower: there the line gets smaller type, on one line.)
        assert len(text_lines(words_of(words, LONG_LINE))) >= 2
    if paper == "a4":
        # The sender's return line is in the window too, above the address.
        sender = words_of(words, "Marie Dupont · Lyon · France")
        assert all(inside(w, left, top, right, bottom) for w in sender)
        assert max(w.bottom for w in sender) <= min(w.top for w in printed)


def test_the_window_side_changes_only_the_appeal_letters_stylesheets() -> None:
    html = render_letter_html(make_content("appeal", window="right"))
    assert "window-a4-right.css" in html and "window-a4-left.css" not in html
    html = render_letter_html(make_content("appeal", paper="letter", window="right"))
    assert "window-letter-right.css" in html
    card = render_letter_html(make_content("card", window="right"))
    assert "window-a4" not in card and "window-letter" not in card
    # An unknown side is the left one, never a stylesheet name made of it.
    html = render_letter_html(make_content("appeal", window="../x"))
    assert "window-a4-left.css" in html and "../x" not in html


def test_a_long_return_line_wraps_inside_the_window() -> None:
    content = make_content(
        "appeal",
        sender_name="Marie-Christine Dupont-Lefebvre de la Roche-Aymon",
        sender_town="Saint-Rémy-de-Provence",
        sender_country="France métropolitaine",
    )
    words = page_words(render_letter_pdf(content), 0)
    sender = words_of(
        words,
        "Marie-Christine Dupont-Lefebvre de la Roche-Aymon · Saint-Rémy-de-Provence · "
        "France métropolitaine",
    )
    assert all(inside(w, *WINDOWS[("a4", "left")]) for w in sender)
    printed = words_of(words, " ".join(address_lines(ADDRESSEE)))
    assert all(inside(w, *WINDOWS[("a4", "left")]) for w in printed)


# postcard.css: the back's page margin is 7 mm; the address side starts 70 mm into the back.
ADDRESS_SIDE = (76.5, 7, 141.5, 99)  # (half a mm for rounding)


@pytest.mark.parametrize("name", ["postcard", "solidarity_postcard"])
@pytest.mark.parametrize("address", ADDRESSES)
def test_the_postcard_address_wraps_on_the_address_side(name: str, address: str) -> None:
    addressee = ADDRESSES[address]
    pdf = render_letter_pdf(make_content(name, addressee=addressee))
    words = [w for w in page_words(pdf, 1) if w.x0 >= ADDRESS_SIDE[0] - 1]
    lines = address_lines(addressee)
    printed = words_of(words, " ".join(lines))
    assert all(inside(w, *ADDRESS_SIDE) for w in printed)
    if LONG_LINE in lines:
        assert len(text_lines(words_of(words, LONG_LINE))) >= 2
    # Under the stamp box (top right, 21 x 25 mm), never over it.
    stamp_bottom = 7 + 25
    assert all(w.top >= stamp_bottom or w.x1 <= 141 - 21 for w in printed)
