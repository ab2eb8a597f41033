"""Every sample case × kind × language renders to a PDF that names the sender, the addressee
and the person written for (text extracted from the PDF itself)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader


@pytest.fixture
def database():
    # Rendering does not touch the database beyond loading the cases: one database is enough.
    return "sqlite"


# How a case's person is written in a script other than the Latin one (the Arabic card names
# Manahel in Arabic letters).
NAMES_IN_SCRIPT = {("manahel-al-otaibi", "ar"): "مناهل"}


def _text(pdf: bytes) -> str:
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


def _squeezed(value: str) -> str:
    return re.sub(r"\s+", "", value)


def test_every_sample_case_kind_and_language_renders_with_sender_addressee_and_person(
    loaded_cases,
):
    from marathon.cases.service import list_cases
    from marathon.letters.content import default_body_for, draft_content
    from marathon.letters.service import LetterDraft, offered_languages
    from marathon.render.letters import render_letter_pdf

    app = loaded_cases
    rendered = 0
    with app.test_request_context():
        cases = list_cases(app.config["EDITION"])
        assert len(cases) >= 6
        for case in cases:
            for kind in case.kinds:
                languages = offered_languages(case, kind)
                assert {"fr", "en", "es"} <= set(languages), (case.slug, kind, languages)
                for language in languages:
                    draft = LetterDraft(
                        case_slug=case.slug,
                        kind=kind,
                        language=language,
                        sender_name="Camille Testeuse",
                        sender_town="Lyon",
                        body=default_body_for(case, kind, language),
                    )
                    content = draft_content(draft, case)
                    text = _text(render_letter_pdf(content))
                    where = (case.slug, kind, language)
                    assert "Camille" in text, where
                    name = NAMES_IN_SCRIPT.get((case.slug, language), case.person.split()[0])
                    assert _squeezed(name) in text or _squeezed(case.person) in text, where
                    if kind != "card":  # a card goes in an envelope; the rest show where
                        addressee = content.addressee.name or content.addressee.title
                        assert _squeezed(addressee)[:20] in text, where
                    rendered += 1
    assert rendered >= 45  # 6 cases, each kind it offers, in fr, en, es (and ar for Manahel)
