"""The write journey's state changes: validate a draft, write the letter once, purge, delete."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from marathon.cases.models import Case
from marathon.clock import as_utc, local_day
from marathon.codes import CODE_ALPHABET
from marathon.database import begin_write
from marathon.extensions import db
from marathon.jobs import request_sweep
from marathon.kinds import KIND_NAMES, KINDS
from marathon.letters.facts import CaseFacts, cached_suggestion, case_facts, suggested_body
from marathon.letters.models import PAPER_SIZES, WINDOW_SIDES, Letter
from marathon.prepared import PreparedStatement, db_datetime, raw_connection
from marathon.render.templating import message_fits
from marathon.tally.service import add_to_tally

# Limits that keep a letter printable on one or two pages and a card on one.
LIMITS = {
    "sender_name": 80,
    "sender_town": 80,
    "sender_country": 80,
    "personal_sentence": 400,
    "body": {name: known.body_limit for name, known in KINDS.items()},
}
MIN_BODY = 20
_BLANK_RUNS = re.compile(r"\n{3,}")
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
    window: str = ""  # "" = the section's envelopes; "left" or "right" = the writer's own
    share_first_name: bool = False
    group_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class DraftError(ValueError):
    """A draft that cannot become a letter; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


# Characters that change how the rest of a text is displayed without showing themselves: bidi
# embeddings, overrides and isolates ("Trojan Source"), the deprecated format controls, and
# interlinear annotations (which hide text in some renderers). Removed with the C0/C1 controls.
# Other invisible format characters stay: scripts and emoji need them (ZWJ and ZWNJ in emoji
# sequences, Persian, Indic scripts; LRM, RLM and ALM in right-to-left text; tags in flags).
DECEPTIVE_FORMAT_CHARACTERS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u206a\u206b\u206c\u206d\u206e\u206f"  # deprecated format characters
    "\ufff9\ufffa\ufffb"  # interlinear annotation
)
# Control characters and lone surrogates (which no database can store).
_REMOVED_CATEGORIES = frozenset({"Cc", "Cs"})


def _kept(char: str, allowed: set[str]) -> bool:
    if char in allowed:
        return True
    if char in DECEPTIVE_FORMAT_CHARACTERS:
        return False
    return unicodedata.category(char) not in _REMOVED_CATEGORIES


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Plain text as the volunteer meant it: normalised, nothing deceptive or control, trimmed."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    allowed = {"\n"} if multiline else set()
    # isprintable() is False for every control or format character (and for spaces other than
    # " "): most texts pass it and skip the character-by-character filter.
    if not text.replace("\n", " ").isprintable():
        text = "".join(char for char in text.replace("\t", " ") if _kept(char, allowed))
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


def offered_languages(case: Case | CaseFacts, kind: str) -> list[str]:
    """The languages a volunteer may write this kind in for this case."""
    from marathon.render.templating import template_languages  # light: no WeasyPrint

    available = set(template_languages(kind))
    return [language for language in case.languages if language in available]


def _offers(case: CaseFacts | None, kind: str, language: str) -> bool:
    return case is not None and kind in case.kinds and language in offered_languages(case, kind)


def validate_draft(draft: LetterDraft, case: Case | CaseFacts | None) -> dict[str, str]:
    """Every problem with ``draft``, as field → message that says what to fix."""
    errors: dict[str, str] = {}
    if case is None or not case.active:
        errors["case"] = str(_l("This case does not exist. Please choose a case from the list."))
        return errors
    if draft.kind not in KIND_NAMES or draft.kind not in case.kinds:
        errors["kind"] = str(_l("Please choose one of the kinds this case offers."))
    elif draft.language not in offered_languages(case, draft.kind):
        errors["language"] = str(_l("Please choose one of the languages this case offers."))
    if draft.paper not in PAPER_SIZES:
        errors["paper"] = str(_l("Please choose A4 or US Letter paper."))
    if draft.window and draft.window not in WINDOW_SIDES:
        errors["window"] = str(
            _l("Please choose an envelope with its window on the left or right.")
        )
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
    elif "kind" not in errors and not message_fits(
        draft.kind, draft.language, (draft.personal_sentence, draft.body)
    ):
        errors["body"] = str(
            _l(
                "This message would not fit on %(budget)s, even in small print. Please shorten "
                "it or join its short lines.",
                budget=KINDS[draft.kind].page_budget,
            )
        )
    return errors


def normalise_draft(draft: LetterDraft) -> LetterDraft:
    """The draft with every text field cleaned (the only form a draft is ever stored in)."""
    draft.case_slug = clean_text(draft.case_slug)
    draft.kind = clean_text(draft.kind)
    draft.language = clean_text(draft.language)
    draft.paper = clean_text(draft.paper) or "a4"
    draft.window = clean_text(draft.window)
    for name in ("sender_name", "sender_town", "sender_country"):
        setattr(draft, name, clean_text(getattr(draft, name)))
    draft.personal_sentence = collapse_blank_lines(
        clean_text(draft.personal_sentence, multiline=True)
    )
    draft.body = collapse_blank_lines(clean_text(draft.body, multiline=True))
    return draft


def collapse_blank_lines(text: str) -> str:
    """Lines without trailing spaces, and any run of blank lines as one paragraph break."""
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def display_first_name(sender_name: str) -> str:
    """The first word of the name, shown on an event's board when the writer agreed."""
    return sender_name.split()[0][:30] if sender_name.split() else ""


@dataclass(frozen=True)
class WrittenLetter:
    """A letter as the writer is told about it once it is saved (no ORM object: it is cheap)."""

    id: int
    code: str
    private_token: str
    case_slug: str
    kind: str
    language: str
    paper: str
    status: str
    event_id: int | None
    group_id: int | None
    created_at: datetime


def bound_key(
    idempotency_key: str,
    draft: LetterDraft,
    *,
    event_id: int | None,
    group_id: int | None,
    event_code: str | None,
) -> str:
    """The key a letter is stored under: the client's key bound to everything sent with it.

    The same key with the same letter finds the same letter (a retry); with anything else it
    names another letter, so a key never hands back, nor reveals, a letter written by someone
    else. A digest: the client's key itself is not kept, and any length fits the column.
    """
    material = json.dumps(
        {
            "key": idempotency_key,
            "draft": dataclasses.asdict(draft),
            "event_id": event_id,
            "group_id": group_id,
            "event_code": event_code,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return "v2:" + hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def find_by_idempotency_key(key: str) -> WrittenLetter | None:
    """The letter already written under this (bound) key, if any."""
    row = db.session.execute(
        select(
            Letter.id,
            Letter.code,
            Letter.private_token,
            Case.slug,
            Letter.kind,
            Letter.language,
            Letter.paper,
            Letter.status,
            Letter.event_id,
            Letter.group_id,
            Letter.created_at,
        )
        .join(Case, Case.id == Letter.case_id)
        .where(Letter.idempotency_key == key)
    ).first()
    if row is None:
        return None
    *values, created_at = row
    return WrittenLetter(*values, created_at=as_utc(created_at))


def write_letter(
    draft: LetterDraft,
    *,
    idempotency_key: str,
    event_id: int | None = None,
    group_id: int | None = None,
    event_code: str | None = None,
    suggest_body: bool = False,
) -> tuple[WrittenLetter, bool]:
    """Write the letter and count it once; the same ``idempotency_key`` with the same letter
    again returns it unchanged (see :func:`bound_key`: with another letter, it is another letter).

    ``event_code``: count the letter for the open event with this join code (and its group); a
    closed or unknown code counts it without the event rather than losing it. ``suggest_body``:
    a draft without a body gets the text the form would have suggested (API callers may leave
    it out). Raises ``DraftError`` when the draft is not valid; then nothing is saved.

    This is the marathon's hot path: one short write transaction of plain Core statements (the
    case and event look-ups, the letter inserted unless its key exists, the tally), no ORM
    objects.
    """
    draft = normalise_draft(draft)
    stored_key = bound_key(
        idempotency_key, draft, event_id=event_id, group_id=group_id, event_code=event_code
    )
    for attempt in range(4):
        begin_write()
        try:
            letter = _write_in_transaction(
                draft, stored_key, event_id, group_id, event_code, suggest_body
            )
            db.session.commit()
        except _SuggestionNeeded as needed:
            # Rendered outside the write transaction (the first time in a process it compiles
            # a template): no writer waits for that. Then the transaction runs again.
            db.session.rollback()
            suggested_body(needed.case, draft.kind, draft.language)
            continue
        except IntegrityError:
            # Only a clash of the random code or token gets here (the key is ON CONFLICT):
            # draw new ones.
            db.session.rollback()
            if attempt == 3:
                raise
            continue
        except Exception:
            db.session.rollback()
            raise
        if letter is None:  # the key was taken: a resubmission, counted the first time
            existing = find_by_idempotency_key(stored_key)
            if existing is None:
                raise RuntimeError("an idempotency key clashed with no letter")
            return existing, False
        _ask_for_render()
        return letter, True
    raise AssertionError("unreachable")


def _ask_for_render() -> None:
    try:
        request_sweep("marathon.letters.jobs.render_pending_letters")
    except Exception:
        # The letter is saved and counted: its PDF is rendered on download or in its batch.
        current_app.logger.warning("Could not ask for the render of new letters", exc_info=True)


class _SuggestionNeeded(Exception):
    def __init__(self, case: CaseFacts) -> None:
        self.case = case


def _write_in_transaction(
    draft: LetterDraft,
    idempotency_key: str,
    event_id: int | None,
    group_id: int | None,
    event_code: str | None,
    suggest_body: bool,
) -> WrittenLetter | None:
    """Validate, insert and count inside the caller's write transaction (None: key exists)."""
    from marathon.events.service import open_event_ids

    raw = raw_connection()
    case = case_facts(draft.case_slug, on=raw)
    if suggest_body and not draft.body and _offers(case, draft.kind, draft.language):
        assert case is not None
        suggestion = cached_suggestion(case, draft.kind, draft.language)
        if suggestion is None:
            raise _SuggestionNeeded(case)
        draft.body = suggestion
    errors = validate_draft(draft, case)
    if errors:
        # A retry of a letter already written is answered with it, even if, say, its case has
        # been withdrawn since: the writer's first submission counted. The key is bound to the
        # letter, so only the very same submission finds it: no probe learns anything.
        if find_by_idempotency_key(idempotency_key) is not None:
            return None
        raise DraftError(errors)
    assert case is not None
    if event_code:
        event_id, group_id = open_event_ids(event_code, on=raw) or (None, group_id)
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "idempotency_key": idempotency_key,
        "code": _new_code(),
        "private_token": secrets.token_urlsafe(24),
        "case_id": case.id,
        "kind": draft.kind,
        "language": draft.language,
        "paper": draft.paper,
        "window": draft.window or None,
        "event_id": event_id,
        "group_id": group_id,
        "sender_name": draft.sender_name,
        "sender_town": draft.sender_town,
        "sender_country": draft.sender_country,
        "personal_sentence": draft.personal_sentence,
        "body": draft.body,
        "share_first_name": draft.share_first_name,
        "display_name": display_first_name(draft.sender_name) if draft.share_first_name else None,
        "status": "written",
        "created_at": db_datetime(now, raw),
    }
    cursor = LETTER_INSERT.execute(values, on=raw)
    row = cursor.fetchone()
    cursor.close()
    if row is None:
        return None
    letter_id = row[0]
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
    return WrittenLetter(
        id=letter_id,
        code=values["code"],
        private_token=values["private_token"],
        case_slug=case.slug,
        kind=draft.kind,
        language=draft.language,
        paper=draft.paper,
        status="written",
        event_id=event_id,
        group_id=group_id,
        created_at=now,
    )


def _letter_insert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING id."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = Letter.__table__
    return (
        insert(table)
        .values({name: bindparam(name) for name in WRITTEN_COLUMNS})
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )


WRITTEN_COLUMNS = (
    "idempotency_key",
    "code",
    "private_token",
    "case_id",
    "kind",
    "language",
    "paper",
    "window",
    "event_id",
    "group_id",
    "sender_name",
    "sender_town",
    "sender_country",
    "personal_sentence",
    "body",
    "share_first_name",
    "display_name",
    "status",
    "created_at",
)
LETTER_INSERT = PreparedStatement(_letter_insert)


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
