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
from collections.abc import Callable

import pdfplumber
import pytest

from marathon.i18n import text_direction
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
PERSONAL_SENTENCES = {
    "ar": "أنا ممرضة وهذه القصة تعنيني كثيرا.",
    "": "Je suis infirmière et cette histoire me touche.",
}
# How a case's person is written in another script (the Arabic card names Manahel in Arabic).
NAMES_IN_SCRIPT = {("manahel-al-otaibi", "ar"): "مناهل"}


@pytest.fixture
def database():
    # Rendering reads the loaded cases only: one database is enough.
    return "sqlite"


def squeeze(text: str) -> str:
    """Text without any whitespace: line breaks and justification never decide a match."""
    return re.sub(r"\s+", "", text)


def arabic_letters(text: str) -> str:
    """Only the Arabic letters of ``text``, in order (no marks, digits, Latin or spaces)."""
    return "".join(char for char in text if "\u0600" <= char <= "\u06ff" and char.isalpha())


def reader(language: str) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """How to read a PDF line, and how to compare texts, in ``language``.

    A PDF holds right-to-left text in visual order: a line of Arabic is read back reversed, and
    its comparison keeps the Arabic letters only (marks and embedded numbers move around).
    """
    if text_direction(language) == "rtl":
        return (lambda line: line[::-1]), arabic_letters
    return (lambda line: line), squeeze


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


def first_index(lines: list[str], needle: str, key: Callable[[str], str] = squeeze) -> int | None:
    """The index of the first line that holds ``needle`` (compared through ``key``)."""
    wanted = key(needle)
    for index, line in enumerate(lines):
        if wanted and wanted in key(line):
            return index
    return None


def start_of(lines: list[str], text: str, key: Callable[[str], str] = squeeze) -> int | None:
    """The index of the line where ``text`` begins (its first line, however it wrapped)."""
    wanted = key(text)
    for index, line in enumerate(lines):
        flat = key(line)
        if len(flat) >= 8 and wanted.startswith(flat):
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
                    read, key = reader(language)
                    personal_sentence = PERSONAL_SENTENCES.get(language, PERSONAL_SENTENCES[""])
                    draft = LetterDraft(
                        case_slug=case.slug,
                        kind=kind_name,
                        language=language,
                        sender_name="Camille Testeuse",
                        sender_town="Saint-Étienne",
                        personal_sentence=personal_sentence,
                        body=default_body_for(case, kind_name, language),
                    )
                    content = draft_content(draft, case)
                    as_printed = pdf_lines(render_letter_pdf(content))
                    lines = [read(line) for line in as_printed]
                    # Addresses and names in Latin letters keep their order in any direction.
                    latin_text = squeeze(" ".join(as_printed))
                    text = key(" ".join(lines))
                    _, texts = case.text(language)

                    # 1. Who the page speaks to.
                    body_start = start_of(lines, draft.body, key)
                    assert body_start is not None, where
                    if kind.voice == FORMAL:
                        salutation = case.appeal_salutation[language]
                        opening = first_index(lines, salutation, key)
                        assert opening is not None, (where, "no formal salutation")
                        assert opening < body_start, where
                        assert texts.get("greeting") is None or (
                            key(texts["greeting"]) not in text
                        ), where
                    else:
                        greeting = texts["greeting"]
                        opening = first_index(lines, greeting, key)
                        assert opening is not None, (where, "no greeting to the person")
                        assert opening < body_start, where
                        name = NAMES_IN_SCRIPT.get((case.slug, language), case.person.split()[0])
                        assert key(name) in key(lines[opening]), (where, "greeting without name")
                        for formal in filter(None, map(key, formal_openings)):
                            assert formal not in text, (where, "a formal salutation")

                    # 2. Where it goes: the kind's destination, never the other one.
                    destination = getattr(case, kind.destination)
                    other_field = (
                        "card_address"
                        if kind.destination == "appeal_addressee"
                        else "appeal_addressee"
                    )
                    other = getattr(case, other_field) or {}
                    destination_name = squeeze(address_name(destination))[:25]
                    assert destination_name in latin_text, (where, "destination")
                    if address_name(other) and address_name(other) != address_name(destination):
                        assert squeeze(address_name(other))[:25] not in latin_text, (
                            where,
                            f"{other_field} printed on a {kind_name}",
                        )

                    # 3. Nothing written for volunteers is mailed.
                    for field_name in VOLUNTEER_TEXT_FIELDS:
                        for sentence in filter(key, sentences(texts.get(field_name, ""))):
                            assert key(sentence) not in text, (where, field_name, sentence)

                    # 4. The personal sentence: an introduction before the body in a formal
                    # letter, a last word after the message on a card.
                    personal = first_index(lines, personal_sentence[:30], key)
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
    # Drop the [card_address] table (its header line up to the next table or the end).
    without = re.sub(r"(?ms)^\[card_address\]$.*?(?=^\[|\Z)", "", text)
    assert without != text
    case_file.write_text(without, encoding="utf-8")
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
