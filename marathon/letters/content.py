"""What a letter says: the plain values its template is rendered from, and suggested texts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError
from flask import current_app

from marathon.cases.models import Case
from marathon.letters.models import Letter
from marathon.render.content import Addressee, LetterContent

if TYPE_CHECKING:
    from marathon.letters.service import LetterDraft


def local_day(moment: datetime) -> Any:
    """The calendar day of ``moment`` in the section's time zone (totals are by local day)."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def country_name(code: str, language: str) -> str:
    """A country's name in ``language`` (Babel's territory names), the code if unknown."""
    try:
        return Locale.parse(language).territories.get(code.upper(), code)
    except (UnknownLocaleError, ValueError, TypeError):
        return code


def letter_content(letter: Letter) -> LetterContent:
    """The plain values a letter's template is rendered from."""
    from marathon.cases.service import photo_path

    case = letter.case
    addressee = case.appeal_addressee or {}
    photo = photo_path(case)
    return LetterContent(
        kind=letter.kind,
        language=letter.language,
        paper=letter.paper,
        code=letter.code,
        written_on=local_day(aware_utc(letter.created_at)),
        case_slug=case.slug,
        case_edition=case.edition,
        person=case.person,
        country_name=country_name(case.country, letter.language),
        sender_name=letter.sender_name or "",
        sender_town=letter.sender_town or "",
        sender_country=letter.sender_country or "",
        personal_sentence=letter.personal_sentence or "",
        body=letter.body or "",
        salutation=(case.appeal_salutation or {}).get(letter.language, ""),
        addressee=Addressee(
            title=addressee.get("title", ""),
            name=addressee.get("name", ""),
            address_lines=tuple(addressee.get("address_lines", ())),
            country=country_name(addressee.get("country", ""), letter.language).upper()
            if addressee.get("country")
            else "",
            email=addressee.get("email", ""),
            is_sample="appeal_addressee" in (case.sample_fields or []),
        ),
        photo_path=str(photo) if photo else None,
        photo_alt=(case.photo_alt or {}).get(letter.language, case.person),
        photo_credit=case.photo_credit or "",
        cards_to=_one_line_address(case.card_address, letter.language),
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
        sender_name=draft.sender_name,
        sender_town=draft.sender_town,
        sender_country=draft.sender_country,
        personal_sentence=draft.personal_sentence,
        body=draft.body,
        created_at=datetime.now(UTC),
    )
    letter.case = case
    return letter_content(letter)


def default_body_for(case: Case, kind: str, language: str) -> str:
    """The suggested, editable text of a kind of letter for this case in ``language``."""
    from marathon.render.letters import default_body

    _used, texts = case.text(language)
    return default_body(
        kind,
        language,
        person=case.person,
        country_name=country_name(case.country, language),
        ask=texts.get("ask", ""),
        salutation=(case.appeal_salutation or {}).get(language, ""),
        case_appeal_body=texts.get("appeal_body", "") if _used == language else "",
        card_message=texts.get("card_message", "") if _used == language else "",
    )


def aware_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime."""
    # SQLite hands back naive datetimes; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
