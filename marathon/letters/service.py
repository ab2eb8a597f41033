"""The write journey's state changes: validate a draft, write the letter once, purge, delete."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marathon.cases.models import LETTER_KINDS, Case
from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import PAPER_SIZES, Letter
from marathon.render.content import Addressee, LetterContent
from marathon.tally.service import add_to_tally

# Limits that keep a letter printable on one or two pages and a card on one.
LIMITS = {
    "sender_name": 80,
    "sender_town": 80,
    "sender_country": 80,
    "personal_sentence": 400,
    "body": {"appeal": 4000, "card": 1200, "postcard": 600},
}
MIN_BODY = 20
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")


@dataclass
class LetterDraft:
    """What a volunteer submits, before it becomes a Letter."""

    case_slug: str
    kind: str
    language: str
    sender_name: str
    sender_town: str = ""
    sender_country: str = ""
    personal_sentence: str = ""
    body: str = ""
    paper: str = "a4"
    share_first_name: bool = False
    group_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DraftError(ValueError):
    """A draft that cannot become a letter; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Plain text as the volunteer meant it: normalised, no control characters, trimmed."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    allowed = {"\n"} if multiline else set()
    text = "".join(char for char in text if char in allowed or unicodedata.category(char)[0] != "C")
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def offered_languages(case: Case, kind: str) -> list[str]:
    """The languages a volunteer may write this kind in for this case."""
    from marathon.render.letters import template_languages

    available = set(template_languages(kind))
    return [language for language in case.languages if language in available]


def validate_draft(draft: LetterDraft, case: Case | None) -> dict[str, str]:
    """Every problem with ``draft``, as field → message that says what to fix."""
    errors: dict[str, str] = {}
    if case is None or not case.active:
        errors["case"] = str(_l("This case does not exist. Please choose a case from the list."))
        return errors
    if draft.kind not in LETTER_KINDS or draft.kind not in case.kinds:
        errors["kind"] = str(_l("Please choose one of the kinds this case offers."))
    elif draft.language not in offered_languages(case, draft.kind):
        errors["language"] = str(_l("Please choose one of the languages this case offers."))
    if draft.paper not in PAPER_SIZES:
        errors["paper"] = str(_l("Please choose A4 or US Letter paper."))
    if not draft.sender_name:
        errors["sender_name"] = str(_l("Please enter your name as you want to sign."))
    for name in ("sender_name", "sender_town", "sender_country", "personal_sentence"):
        limit = LIMITS[name]
        if len(getattr(draft, name)) > limit:
            errors[name] = str(
                _l("Please shorten this to %(limit)s characters or fewer.", limit=limit)
            )
    body_limit = LIMITS["body"].get(draft.kind, 4000)
    if len(draft.body) < MIN_BODY:
        errors["body"] = str(
            _l("The message is too short: please write at least %(n)s characters.", n=MIN_BODY)
        )
    elif len(draft.body) > body_limit:
        errors["body"] = str(
            _l(
                "The message is too long: %(length)s characters for at most %(limit)s. "
                "Please shorten it.",
                length=len(draft.body),
                limit=body_limit,
            )
        )
    return errors


def normalise_draft(draft: LetterDraft) -> LetterDraft:
    """The draft with every text field cleaned (the only form a draft is ever stored in)."""
    draft.case_slug = clean_text(draft.case_slug)
    draft.kind = clean_text(draft.kind)
    draft.language = clean_text(draft.language)
    draft.paper = clean_text(draft.paper) or "a4"
    for name in ("sender_name", "sender_town", "sender_country"):
        setattr(draft, name, clean_text(getattr(draft, name)))
    draft.personal_sentence = clean_text(draft.personal_sentence, multiline=True)
    draft.body = clean_text(draft.body, multiline=True)
    return draft


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def display_first_name(sender_name: str) -> str:
    """The first word of the name, shown on an event's board when the writer agreed."""
    return sender_name.split()[0][:30] if sender_name.split() else ""


def find_by_idempotency_key(key: str) -> Letter | None:
    """The letter already written with this key, if any."""
    return db.session.scalar(select(Letter).where(Letter.idempotency_key == key))


def write_letter(
    draft: LetterDraft,
    *,
    idempotency_key: str,
    event_id: int | None = None,
    group_id: int | None = None,
) -> tuple[Letter, bool]:
    """Write the letter and count it once; the same ``idempotency_key`` again returns it unchanged.

    Raises ``DraftError`` when the draft is not valid; then nothing is saved.
    """
    from marathon.cases.service import get_case

    draft = normalise_draft(draft)
    existing = find_by_idempotency_key(idempotency_key)
    if existing is not None:
        return existing, False
    case = get_case(draft.case_slug, with_outcomes=False)
    errors = validate_draft(draft, case)
    if errors:
        raise DraftError(errors)
    assert case is not None
    now = datetime.now(UTC)
    begin_write()
    try:
        letter = Letter(
            code=_new_code(),
            idempotency_key=idempotency_key,
            private_token=secrets.token_urlsafe(24),
            case_id=case.id,
            kind=draft.kind,
            language=draft.language,
            paper=draft.paper,
            event_id=event_id,
            group_id=group_id,
            sender_name=draft.sender_name,
            sender_town=draft.sender_town,
            sender_country=draft.sender_country,
            personal_sentence=draft.personal_sentence,
            body=draft.body,
            share_first_name=draft.share_first_name,
            display_name=display_first_name(draft.sender_name) if draft.share_first_name else None,
            status="written",
            created_at=now,
        )
        letter.case = case
        db.session.add(letter)
        db.session.flush()
        add_to_tally(
            edition=case.edition,
            case_id=case.id,
            kind=draft.kind,
            language=draft.language,
            channel="online",
            day=local_day(now),
            quantity=1,
            event_id=event_id,
            group_id=group_id,
        )
        _commit_keeping_loaded(letter)
    except IntegrityError:
        # Another request with the same key won the race: that letter is the one that counts.
        db.session.rollback()
        existing = find_by_idempotency_key(idempotency_key)
        if existing is None:
            raise
        return existing, False
    except Exception:
        db.session.rollback()
        raise
    _render_in_background(letter)
    return letter, True


def _commit_keeping_loaded(letter: Letter) -> None:
    """Commit without expiring what this request just wrote.

    The new letter's values are those we sent; expiring them would make the answer that
    follows read the row (and its case) back for nothing.
    """
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


def _render_in_background(letter: Letter) -> None:
    from marathon.jobs import enqueue

    try:
        enqueue(
            "marathon.letters.jobs.render_letter",
            letter.id,
            job_id=f"letter-{letter.id}",
            fresh=True,
        )
    except Exception:  # the letter is saved and counted; its PDF is rendered on first download
        current_app.logger.warning("Could not queue the render of letter %s", letter.id)


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
        written_on=local_day(_aware(letter.created_at)),
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


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def letter_by_token(token: str) -> Letter | None:
    """The letter behind a private link."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Letter).where(Letter.private_token == token))


def mark_letters(letter_ids: list[int], status: str) -> int:
    """Set letters printed or sent (a reprint may set printed again); returns how many changed."""
    if status not in ("printed", "sent"):
        raise ValueError(f"unknown status {status!r}")
    stamp_column = "printed_at" if status == "printed" else "sent_at"
    begin_write()
    result = db.session.execute(
        update(Letter)
        .where(Letter.id.in_(letter_ids))
        .values(status=status, **{stamp_column: datetime.now(UTC)})
    )
    db.session.commit()
    return result.rowcount or 0
