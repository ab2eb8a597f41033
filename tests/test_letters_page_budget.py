"""A letter is bounded in lines and pages, not only in characters.

Forty short lines need more paper than one long paragraph: the form measures the message as it
will print (render/fitting.py) and refuses what would not fit the kind's page budget (an appeal on
two pages, a card on one, a postcard's message on its back). What it accepts must really fit: the
largest accepted messages are rendered and their pages counted and read.
"""

from __future__ import annotations

import io

import pdfplumber
import pytest

from marathon.kinds import KINDS
from marathon.letters.service import LetterDraft, collapse_blank_lines, normalise_draft
from marathon.render.letters import render_letter_pdf
from marathon.render.templating import message_fits
from tests.render_support import make_content

MM = 72 / 25.4
# Pages each kind may use: the appeal two, the card one, a postcard its front and its back.
PAGE_BUDGET = {"appeal": 2, "postcard": 2, "card": 1, "solidarity_postcard": 2}
# Where the message area ends, in mm from the top of a page: above the appeal's and the card's
# bottom margins (which hold the footer), and at the bottom of a postcard's message box.
MESSAGE_BOTTOM = {"letter": 297 - 22, "card": 148 - 18, "postcard": 7 + 86}


@pytest.fixture
def database():
    return "sqlite"


def short_lines(count: int, separator: str) -> str:
    return separator.join(f"Ligne {number}." for number in range(count))


def largest_accepted(kind: str, separator: str) -> int:
    """The most short lines ``message_fits`` accepts for ``kind`` (lines, or paragraphs)."""
    low, high = 1, 400
    while low < high:
        middle = (low + high + 1) // 2
        if message_fits(kind, "fr", ("", short_lines(middle, separator))):
            low = middle
        else:
            high = middle - 1
    return low


def test_runs_of_blank_lines_collapse_to_one_paragraph_break():
    assert (
        collapse_blank_lines("Un.  \n\n\n\n\nDeux.\n \n\t\nTrois.\n\n") == "Un.\n\nDeux.\n\nTrois."
    )
    draft = normalise_draft(
        LetterDraft(
            case_slug="damisoa",
            kind="card",
            language="fr",
            sender_name="Camille",
            personal_sentence="\n" * 199 + "Bonjour.",
            body="A.\n\n\n\n\n\nB.",
        )
    )
    assert draft.personal_sentence == "Bonjour."
    assert draft.body == "A.\n\nB."


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("separator", ["\n", "\n\n"], ids=["lines", "paragraphs"])
def test_the_largest_accepted_message_fits_its_pages_and_one_more_line_is_refused(kind, separator):
    count = largest_accepted(kind, separator)
    assert count >= 5  # a real message is never refused
    assert not message_fits(kind, "fr", ("", short_lines(count + 1, separator)))
    content = make_content(
        kind, "fr", body=short_lines(count, separator), personal_sentence="", salutation=""
    )
    pdf = render_letter_pdf(content)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = document.pages
        assert len(pages) <= PAGE_BUDGET[kind], (kind, count, len(pages))
        text = "\n".join(page.extract_text() or "" for page in pages)
        # Every line is printed, the last one included, and the signature after it.
        assert f"Ligne {count - 1}." in text
        assert "Marie" in text.split(f"Ligne {count - 1}.")[-1]
        for page in pages[1:] if KINDS[kind].paper == "postcard" else pages:
            # The message's words (its lines and the signature), not the footer in the margin.
            words = [
                word
                for word in page.extract_words()
                if word["text"].startswith(("Ligne", "Marie", "Dupont"))
            ]
            if not words:
                continue
            lowest = max(word["bottom"] for word in words) / MM
            assert lowest <= MESSAGE_BOTTOM[KINDS[kind].paper] + 0.5, (kind, count, lowest)


def test_a_letter_of_empty_lines_is_refused_in_the_form_and_nothing_is_saved(loaded_cases):
    from sqlalchemy import func, select

    from marathon.extensions import db
    from marathon.letters.models import Letter

    client = loaded_cases.test_client()
    page = client.get("/cases/damisoa/write?kind=card&language=fr")
    assert page.status_code == 200
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    token = token.split('"')[0]
    body = "\n".join("x" for _ in range(590))  # 1,179 characters: under the card's 1,200
    response = client.post(
        "/cases/damisoa/write?kind=card&language=fr",
        data={
            "csrf_token": token,
            "submission_id": "budget-test-0001",
            "sender_name": "Camille",
            "personal_sentence": "\n" * 199 + "Bonjour.",
            "body": body,
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "would not fit on one card" in html
    with loaded_cases.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == 0
