"""What the reader reads, for every shipped case × kind × language.

Each PDF is read back as text, line by line, and checked for meaning, not presence:
- its opening line belongs to the kind's recipient (a formal salutation to the authority, or a
  greeting that names the person), and never the other's;
- the address it carries is the kind's destination, and the other destination is absent;
- nothing written for volunteers (story, the ask, card rules) is mailed;
- the personal sentence sits where it reads naturally for the kind's voice.
"""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest

from marathon.kinds import FORMAL, KINDS, VOLUNTEER_TEXT_FIELDS

# The templates' own formal openings (used when a case gives none): a personal kind never shows
# one of these.
TEMPLATE_SALUTATIONS = (
    "Madame, Monsieur",
    "Dear Sir or Madam",
    "Señora, señor",
    "Estimado señor",
    "Geachte heer, mevrouw",
    "Sehr geehrte Damen und Herren",
    "تحية طيبة وبعد",
)
PERSONAL_SENTENCE = "Je suis infirmière et cette histoire me touche."
# How a case's person is written in another script (the Arabic card names Manahel in Arabic).
NAMES_IN_SCRIPT = {("manahel-al-otaibi", "ar"): "مناهل"}


@pytest.fixture
def database():
    # Rendering reads the loaded cases only: one database is enough.
    return "sqlite"


def squeeze(text: str) -> str:
    """Text without any whitespace: line breaks and justification never decide a match."""
    return re.sub(r"\s+", "", text)


def pdf_lines(pdf: bytes) -> list[str]:
    """Every text line of every page, top to bottom, as the reader reads them."""
    lines: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            text = page.extract_text() or ""
            lines.extend(line.strip() for line in text.splitlines() if line.strip())
    return lines


def sentences(text: str) -> list[str]:
    """The sentences and lines of a volunteer text long enough to be recognised if mailed."""
    parts = re.split(r"(?<=[.!?؟:])\s+|\n+", text or "")
    return [part.strip() for part in parts if len(part.strip()) >= 30]


def first_index(lines: list[str], needle: str) -> int | None:
    """The index of the first line that holds ``needle`` (whitespace ignored)."""
    wanted = squeeze(needle)
    for index, line in enumerate(lines):
        if wanted and wanted in squeeze(line):
            return index
    return None


def address_name(address: dict) -> str:
    return address.get("name") or address.get("title") or ""


def test_every_kind_speaks_to_its_recipient_at_its_destination_with_no_volunteer_text(
    loaded_cases,
):
    from marathon.cases.service import list_cases
    from marathon.letters.content import default_body_for, draft_content
    from marathon.letters.service import LetterDraft, offered_languages
    from marathon.render.letters import render_letter_pdf

    app = loaded_cases
    checked: set[tuple[str, str, str]] = set()
    with app.test_request_context():
        cases = list_cases(app.config["EDITION"])
        assert len(cases) >= 6
        formal_openings = {
            squeeze(value)
            for case in cases
            for value in (case.appeal_salutation or {}).values()
            if value
        } | {squeeze(value) for value in TEMPLATE_SALUTATIONS}
        for case in cases:
            for kind_name in case.kinds:
                kind = KINDS[kind_name]
                languages = offered_languages(case, kind_name)
                # Every kind exists in every language the case offers (Arabic included).
                assert languages == case.languages, (case.slug, kind_name, languages)
                for language in languages:
                    where = (case.slug, kind_name, language)
                    draft = LetterDraft(
                        case_slug=case.slug,
                        kind=kind_name,
                        language=language,
                        sender_name="Camille Testeuse",
                        sender_town="Saint-Étienne",
                        personal_sentence=PERSONAL_SENTENCE,
                        body=default_body_for(case, kind_name, language),
                    )
                    content = draft_content(draft, case)
                    lines = pdf_lines(render_letter_pdf(content))
                    text = squeeze(" ".join(lines))
                    _, texts = case.text(language)

                    # 1. Who the page speaks to.
                    body_start = first_index(lines, draft.body.strip().split("\n")[0][:40])
                    assert body_start is not None, where
                    if kind.voice == FORMAL:
                        salutation = case.appeal_salutation[language]
                        opening = first_index(lines, salutation)
                        assert opening is not None, (where, "no formal salutation")
                        assert opening < body_start, where
                        assert texts.get("greeting") is None or (
                            squeeze(texts["greeting"]) not in text
                        ), where
                    else:
                        greeting = texts["greeting"]
                        opening = first_index(lines, greeting)
                        assert opening is not None, (where, "no greeting to the person")
                        assert opening < body_start, where
                        name = NAMES_IN_SCRIPT.get((case.slug, language), case.person.split()[0])
                        assert squeeze(name) in squeeze(lines[opening]) or squeeze(name) in squeeze(
                            greeting
                        ), (where, "the greeting does not name the person")
                        for formal in formal_openings:
                            assert formal not in text, (where, "a formal salutation on a card")

                    # 2. Where it goes: the kind's destination, never the other one.
                    destination = getattr(case, kind.destination)
                    other_field = (
                        "card_address"
                        if kind.destination == "appeal_addressee"
                        else "appeal_addressee"
                    )
                    other = getattr(case, other_field) or {}
                    assert squeeze(address_name(destination))[:25] in text, (where, "destination")
                    if address_name(other) and address_name(other) != address_name(destination):
                        assert squeeze(address_name(other))[:25] not in text, (
                            where,
                            f"{other_field} printed on a {kind_name}",
                        )

                    # 3. Nothing written for volunteers is mailed.
                    for field_name in VOLUNTEER_TEXT_FIELDS:
                        for sentence in sentences(texts.get(field_name, "")):
                            assert squeeze(sentence) not in text, (where, field_name, sentence)

                    # 4. The personal sentence: an introduction before the body in a formal
                    # letter, a last word after the message on a card.
                    personal = first_index(lines, PERSONAL_SENTENCE[:30])
                    assert personal is not None, where
                    if kind.voice == FORMAL:
                        assert opening < personal < body_start, (where, "personal sentence")
                    else:
                        assert personal > body_start, (where, "personal sentence")
                    checked.add(where)
    # 6 cases, each kind it offers, in each of its languages.
    assert len(checked) >= 60, len(checked)
    assert {kind for _, kind, _ in checked} == set(KINDS)
    assert any(language == "ar" and kind == "postcard" for _, kind, language in checked)
    assert any(language == "ar" and kind == "solidarity_postcard" for _, kind, language in checked)


def test_a_case_whose_kind_has_no_destination_is_refused_naming_the_field(tmp_path, app):
    """The loader refuses a case offering cards without [card_address], and says which field."""
    import shutil
    from pathlib import Path

    from marathon.cases.loader import CaseValidationError, read_cases

    source = Path(app.config["CASES_DIR"])
    target = tmp_path / "cases"
    shutil.copytree(source, target)
    case_file = target / "2025" / "damisoa" / "case.toml"
    text = case_file.read_text(encoding="utf-8")
    start = text.index("[card_address]")
    case_file.write_text(text[:start], encoding="utf-8")
    with app.app_context(), pytest.raises(CaseValidationError) as raised:
        read_cases(target)
    messages = [str(error) for error in raised.value.errors]
    assert any("card_address" in message and "card" in message for message in messages), messages


def test_an_address_too_long_for_the_window_is_refused_when_the_case_is_checked(tmp_path, app):
    import shutil
    from pathlib import Path

    from marathon.cases.loader import CaseValidationError, read_cases

    source = Path(app.config["CASES_DIR"])
    target = tmp_path / "cases"
    shutil.copytree(source, target)
    case_file = target / "2025" / "damisoa" / "case.toml"
    text = case_file.read_text(encoding="utf-8")
    long_lines = ", ".join(
        f'"Bâtiment {n}, escalier {n}, couloir des archives nationales"' for n in range(5)
    )
    text = re.sub(
        r"(\[appeal_addressee\][^\[]*?address_lines = )\[[^\]]*\]",
        lambda match: match.group(1) + f"[{long_lines}]",
        text,
        count=1,
    )
    case_file.write_text(text, encoding="utf-8")
    with app.app_context(), pytest.raises(CaseValidationError) as raised:
        read_cases(target)
    messages = [str(error) for error in raised.value.errors]
    assert any("appeal_addressee" in message and "window" in message for message in messages), (
        messages
    )
