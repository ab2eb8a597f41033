"""What a letter says: the plain values its template is rendered from, and suggested texts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app

from marathon.cases.models import Case
from marathon.cases.service import photo_path
from marathon.clock import local_day, utcnow
from marathon.countries import country_name
from marathon.kinds import FORMAL, kind
from marathon.letters.models import WINDOW_SIDES, Letter
from marathon.render.content import Addressee, LetterContent
from marathon.render.letters import default_body

if TYPE_CHECKING:
    from marathon.letters.service import LetterDraft


def case_destination(case: Case, kind_name: str, language: str) -> Addressee:
    """Where ``kind_name`` of ``case`` is sent: the field the kind's definition names."""
    field_name = kind(kind_name).destination
    address = getattr(case, field_name, None) or {}
    samples = case.sample_fields or []
    return Addressee(
        title=address.get("title", ""),
        name=address.get("name", ""),
        address_lines=tuple(address.get("address_lines", ())),
        country=country_name(address.get("country", ""), language).upper()
        if address.get("country")
        else "",
        email=address.get("email", ""),
        is_sample=any(name == field_name or name.startswith(f"{field_name}.") for name in samples),
    )


def opening_line(case: Case, kind_name: str, language: str) -> str:
    """The case's opening line for this kind's voice in ``language`` ("" = the template's).

    A formal kind opens with the case's salutation to the authority; a personal kind with the
    case's greeting to the person. Never the other's.
    """
    if kind(kind_name).voice == FORMAL:
        return (case.appeal_salutation or {}).get(language, "")
    used, texts = case.text(language)
    return texts.get("greeting", "") if used == language else ""


def letter_window(letter: Letter) -> str:
    """The side of the envelope's window: the letter's own choice, else the section's."""
    chosen = getattr(letter, "window", None)
    if chosen in WINDOW_SIDES:
        return chosen
    configured = current_app.config["LETTER_WINDOW"]
    return configured if configured in WINDOW_SIDES else "left"


def letter_content(letter: Letter) -> LetterContent:
    """The plain values a letter's template is rendered from."""

    case = letter.case
    photo = photo_path(case)
    return LetterContent(
        kind=letter.kind,
        language=letter.language,
        paper=letter.paper,
        code=letter.code,
        written_on=local_day(letter.created_at),
        case_slug=case.slug,
        case_edition=case.edition,
        person=case.person,
        country_name=country_name(case.country, letter.language),
        sender_name=letter.sender_name or "",
        sender_town=letter.sender_town or "",
        sender_country=letter.sender_country or "",
        personal_sentence=letter.personal_sentence or "",
        body=letter.body or "",
        salutation=opening_line(case, letter.kind, letter.language),
        addressee=case_destination(case, letter.kind, letter.language),
        photo_path=str(photo) if photo else None,
        photo_alt=(case.photo_alt or {}).get(letter.language, case.person),
        photo_credit=case.photo_credit or "",
        cards_to=_one_line_address(case.card_address, letter.language),
        window=letter_window(letter),
    )


def _one_line_address(address: dict[str, Any] | None, language: str) -> str:
    """Where cards go, on one line (printed small on a card)."""
    if not address:
        return ""
    parts = [address.get("name", ""), *address.get("address_lines", ())]
    if address.get("country"):
        parts.append(country_name(address["country"], language))
    return ", ".join(part for part in parts if part)


def draft_content(draft: LetterDraft, case: Case) -> LetterContent:
    """The content of a letter not written yet, for the preview."""
    letter = Letter(
        code="XXXX-XXXX",
        kind=draft.kind,
        language=draft.language,
        paper=draft.paper,
        window=draft.window or None,
        sender_name=draft.sender_name,
        sender_town=draft.sender_town,
        sender_country=draft.sender_country,
        personal_sentence=draft.personal_sentence,
        body=draft.body,
        created_at=utcnow(),
    )
    letter.case = case
    return letter_content(letter)


def default_body_for(case: Case, kind_name: str, language: str) -> str:
    """The suggested, editable text of a kind of letter for this case in ``language``."""

    _used, texts = case.text(language)
    return default_body(
        kind_name,
        language,
        person=case.person,
        country_name=country_name(case.country, language),
        case_text=texts.get(kind(kind_name).mailed_text, "") if _used == language else "",
    )
