"""Who a page speaks to, read from the printed PDF: the opening line follows the kind's voice, the
writer's own sentence sits where it reads naturally, there is room to sign by hand, and the
longest text the form allows still fits its pages."""

from __future__ import annotations

import pytest

from marathon.kinds import FORMAL, KIND_NAMES, kind
from marathon.render.letters import render_letter_html, render_letter_pdf, template_languages
from tests.render_support import (
    font_files,
    line_text,
    line_with,
    make_content,
    page_words,
    pdf_reader,
    pdf_text,
    squash,
    text_lines,
)

LATIN = ("fr", "en", "es", "nl", "de")
# The formal default salutation of each language (appeal letter and appeal postcard).
FORMAL_DEFAULTS = {
    "fr": "Madame, Monsieur,",
    "en": "Dear Sir or Madam,",
    "es": "Estimado señor o señora:",
    "nl": "Geachte heer, mevrouw,",
    "de": "Sehr geehrte Damen und Herren,",
}
FORMAL_WORDS = ("Madame", "Monsieur", "Sir or Madam", "señor", "Geachte", "geehrte", "تحية")
# Where the message is printed, in mm from the page's top left: left, top, right, bottom.
CARD_AREA = (28, 14, 194, 130)  # card.css: A5 landscape, margins 14 16 18 28 mm
POSTCARD_MESSAGE = (7, 7, 70, 93)  # postcard.css: back page margin 7 mm, message 63 x 86 mm
APPEAL_AREA = (25, 15, 190, 275)  # appeal.css: A4, margins 15 20 22 25 mm
# The blank space to sign by hand above the printed name, at least (mm).
SIGNING_ROOM = {"appeal": 18, "postcard": 6, "card": 10, "solidarity_postcard": 6}


def message_words(pdf: bytes, name: str, page: int = -1):
    """The words of the message area of a kind (the page's own text, not its footer)."""
    words = page_words(pdf, page)
    area = {"postcard": POSTCARD_MESSAGE, "card": CARD_AREA}.get(kind(name).paper, APPEAL_AREA)
    left, _top, right, bottom = area
    return [w for w in words if w.x0 >= left - 1 and w.x1 <= right + 1 and w.top < bottom + 8]


def first_message_page(name: str) -> int:
    return 1 if kind(name).paper == "postcard" else 0


@pytest.mark.parametrize("name", ["card", "solidarity_postcard"])
def test_words_to_the_person_open_with_a_greeting_to_the_person(name: str) -> None:
    for language in template_languages(name):
        pdf = render_letter_pdf(make_content(name, language, body="Un mot.", salutation=""))
        lines = text_lines(message_words(pdf, name, first_message_page(name)))
        first = line_text(lines[0])
        assert "Damisoa" in first, (language, first)
        text = " ".join(line_text(line) for line in lines)
        assert not any(word in text for word in FORMAL_WORDS), (language, text)


@pytest.mark.parametrize("name", ["appeal", "postcard"])
@pytest.mark.parametrize("language", LATIN)
def test_words_to_the_authority_open_with_the_formal_salutation(name: str, language: str) -> None:
    pdf = render_letter_pdf(make_content(name, language, body="Un mot.", salutation=""))
    lines = [
        line_text(line)
        for line in text_lines(message_words(pdf, name, 0 if name == "appeal" else 1))
    ]
    if name == "appeal":
        subject = next(i for i, line in enumerate(lines) if "(Madagascar)" in line)
        opening = lines[subject + 1]
    else:
        opening = lines[0]
    assert opening == FORMAL_DEFAULTS[language], lines


def test_the_cases_opening_line_replaces_the_default_in_its_voice() -> None:
    postcard = render_letter_pdf(make_content("postcard", salutation="Monsieur le Ministre,"))
    assert line_text(text_lines(message_words(postcard, "postcard", 1))[0]) == (
        "Monsieur le Ministre,"
    )
    card = render_letter_pdf(make_content("card", salutation="Chère Damisoa,"))
    assert line_text(text_lines(message_words(card, "card", 0))[0]) == "Chère Damisoa,"
    # The voice, not the template, decides: a personal kind never gets the formal block.
    html = render_letter_html(make_content("solidarity_postcard", salutation=""))
    assert "Madame, Monsieur" not in html and "Pour Damisoa," in html
    assert 'class="closing"' not in html


BODY = "PREMIERMOT de la lettre.\n\nSecond paragraphe, DERNIERMOT."
PERSONAL = "Je m’appelle Marie, PERSOMOT."


@pytest.mark.parametrize("name", KIND_NAMES)
def test_the_personal_sentence_sits_where_it_reads_naturally(name: str) -> None:
    pdf = render_letter_pdf(make_content(name, body=BODY, personal_sentence=PERSONAL))
    words = message_words(pdf, name, first_message_page(name))
    personal = line_with(words, "PERSOMOT")[0]
    first = line_with(words, "PREMIERMOT")[0]
    last = line_with(words, "DERNIERMOT")[0]
    signature = line_with(words, "Marie", last=True)[0]
    if kind(name).voice == FORMAL:
        # The writer introduces themself after the salutation, before the appeal.
        opening = line_with(words, "Madame, Monsieur,")[0]
        assert opening.bottom <= personal.top
        assert personal.bottom <= first.top
    else:
        # After the message, before the signature.
        assert last.bottom <= personal.top
        assert personal.bottom <= signature.top
    assert signature.top > max(personal.bottom, last.bottom)


def _signing_gap(pdf: bytes, name: str) -> float:
    """The blank height between the last line above the printed name and the name (mm)."""
    words = message_words(pdf, name)
    signer = "Marie Dupont" if kind(name).voice == FORMAL else "Marie"
    lines = text_lines(words)
    index = max(i for i, line in enumerate(lines) if line_text(line).startswith(signer))
    assert index > 0, [line_text(line) for line in lines]
    above = lines[index - 1]
    if kind(name).voice == FORMAL:
        closing = {"appeal": "considération.", "postcard": "Respectueusement,"}[name]
        assert line_text(above).endswith(closing), line_text(above)
    return min(w.top for w in lines[index]) - max(w.bottom for w in above)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_there_is_room_to_sign_by_hand_above_the_printed_name(name: str) -> None:
    pdf = render_letter_pdf(make_content(name, body=BODY, personal_sentence=PERSONAL))
    assert _signing_gap(pdf, name) >= SIGNING_ROOM[name]


def _longest(name: str) -> dict:
    """The most the form lets a volunteer write (the kind's body limit, 400 characters of
    personal sentence) and a long opening line from the case."""
    limit = kind(name).body_limit
    words = ("solidarité " * (limit // 11 + 1))[: limit // 2]
    body = f"{words}\n\n{words[: limit - len(words) - 30]} FIN-DU-TEXTE"
    assert len(body) <= limit
    personal = ("Je m’appelle Marie et j’écris depuis Lyon. " * 10)[:390] + " DERNIER"
    opening = (
        "Monsieur le Ministre de la Justice et des Droits humains,"
        if kind(name).voice == FORMAL
        else "Chère Damisoa, chère famille de Damisoa,"
    )
    return dict(body=body, personal_sentence=personal, salutation=opening)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_the_longest_allowed_text_fits_its_pages_with_room_to_sign(name: str) -> None:
    pdf = render_letter_pdf(make_content(name, **_longest(name)))
    pages = len(pdf_reader(pdf).pages)
    assert pages == {"letter": 2, "card": 1, "postcard": 2}[kind(name).paper]
    words = message_words(pdf, name)
    _, _, _, bottom = {"postcard": POSTCARD_MESSAGE, "card": CARD_AREA}.get(
        kind(name).paper, APPEAL_AREA
    )
    signer = "Marie Dupont" if kind(name).voice == FORMAL else "Marie"
    signature = line_with(words, signer, last=True)
    assert max(w.bottom for w in signature) <= bottom  # the whole message, then the name
    everything = squash(pdf_text(pdf))
    assert "FIN-DU-TEXTE" in everything and "DERNIER" in everything
    assert _signing_gap(pdf, name) >= SIGNING_ROOM[name]


@pytest.mark.parametrize("name", ["postcard", "solidarity_postcard"])
def test_arabic_postcards_read_right_to_left_in_the_naskh_face(name: str) -> None:
    content = make_content(
        name,
        "ar",
        person="مناهل العتيبي",
        country_name="المملكة العربية السعودية",
        body="أكتب إليكم هذه الكلمات.\n\nمع كل التضامن.",
        personal_sentence="اسمي ماري وأعيش في ليون.",
        sender_name="ماري دوبون",
        sender_town="ليون",
        salutation="",
    )
    html = render_letter_html(content)
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    pdf = render_letter_pdf(content)
    assert len(pdf_reader(pdf).pages) == 2
    assert any("Naskh" in font for font, embedded in font_files(pdf) if embedded)
    lines = [
        line
        for line in text_lines(message_words(pdf, name, 1))
        if "1234" not in line_text(line)  # the reference, under the message
    ]
    assert len(lines) >= 4
    right = POSTCARD_MESSAGE[2]
    for line in lines:
        text = line_text(line)
        assert any("\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" for ch in text)
        # Right to left: every line starts at the message's right edge.
        assert max(w.x1 for w in line) == pytest.approx(right, abs=1.5), text
        assert all(any("Naskh" in font for font in w.fonts) for w in line), text
    # The short opening line is on the right, far from the left edge.
    assert min(w.x0 for w in lines[0]) > POSTCARD_MESSAGE[0] + 20
