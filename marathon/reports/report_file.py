"""The report file of an offline event: its format, checksum and checks (nothing is changed here).

File format (JSON, UTF-8)::

    {"format": "marathon-report", "version": 1, "report_id": "<uuid4>", "edition": 2025,
     "group": {"name": "..."}, "event": {"title": "...", "code": "...", "starts_at": "<ISO>"},
     "totals": [{"case": "<slug>", "kind": "appeal|card|postcard", "language": "fr",
                 "channel": "online|handwritten", "day": "YYYY-MM-DD", "quantity": 12}],
     "created_at": "<ISO>", "checksum": "hmac-sha256:<hex>" | "sha256:<hex>"}

The checksum covers the canonical JSON (sorted keys, no spaces, UTF-8) of every other field.
With a key shared between the laptop and the section (config ``REPORT_SIGNING_KEY``) it is an
HMAC-SHA256: it detects damage *and* tampering. Without one it is a plain SHA-256: it detects a
damaged file, but anyone who edits a number can recompute it, so it does NOT prove the file is
genuine. An instance that has a key refuses unsigned files.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marathon.cases.models import Case
from marathon.editions import is_edition
from marathon.extensions import db
from marathon.i18n import tr
from marathon.json_input import INVALID_MESSAGE, JSONInputError, parse_json
from marathon.kinds import KIND_NAMES
from marathon.tally.models import CHANNELS

FORMAT = "marathon-report"
VERSION = 1
# Every figure of a file is bounded: a line, the lines, the file's total (an event's letters),
# and the edition. With the counters' 64-bit integers, no sum of files can overflow them.
MAX_LINE_QUANTITY = 1_000_000
MAX_LINES = 100_000
MAX_REPORT_TOTAL = 1_000_000
MAX_TEXT = 1000  # group name, event title, code, start time, report id: characters
DAMAGED_MESSAGE = _l("The file is not valid JSON: it is damaged or truncated.")


class ReportFileError(ValueError):
    """The file is refused; ``reasons`` say what is wrong, nothing was changed."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _signing_key() -> bytes | None:
    key = current_app.config.get("REPORT_SIGNING_KEY")
    return key.encode() if isinstance(key, str) and key else key or None


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes the checksum covers: every field but ``checksum``, canonical JSON."""
    rest = {key: value for key, value in document.items() if key != "checksum"}
    return json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def checksum(document: dict[str, Any]) -> str:
    """``hmac-sha256:<hex>`` with the configured shared key, else ``sha256:<hex>``."""
    key = _signing_key()
    if key:
        return "hmac-sha256:" + hmac.new(key, canonical(document), hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(canonical(document)).hexdigest()


def edition_window(edition: int) -> tuple[date, date]:
    """Days that may count for an edition: 1 January of its year to 31 March of the next."""
    return date(edition, 1, 1), date(edition + 1, 3, 31)


def parse_report(raw: bytes | str) -> dict[str, Any]:
    """Decode and validate a report file; raise :class:`ReportFileError` with every reason."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise ReportFileError([tr(DAMAGED_MESSAGE)]) from None
    try:
        document = parse_json(text)
    except JSONInputError as error:
        message = DAMAGED_MESSAGE if error.message is INVALID_MESSAGE else error.message
        raise ReportFileError([tr(message)]) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReportFileError([tr(_l("This is not a Marathon report file."))])
    if document.get("version") != VERSION or isinstance(document.get("version"), bool):
        raise ReportFileError(
            [
                tr(
                    _l(
                        "Report version %(found)s is not supported (this instance reads "
                        "version %(version)s).",
                        found=document.get("version"),
                        version=VERSION,
                    )
                )
            ]
        )
    reasons = _check_fields(document)
    if reasons:
        raise ReportFileError(reasons)
    _verify_checksum(document)
    reasons = _check_totals(document)
    if reasons:
        raise ReportFileError(reasons)
    return document


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT


def _moment(value: Any) -> datetime | None:
    """An ISO date and time as an aware datetime (UTC when it names no zone), else None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def exported_at(document: dict[str, Any]) -> datetime | None:
    """When the report was exported (its ``created_at``), if it says."""
    return _moment(document.get("created_at"))


def event_key(document: dict[str, Any]) -> str:
    """What names the same event in every export of it: edition, group name and event code.

    (Each export has a new ``report_id``; the event's title and start time may be edited.)
    """
    return event_key_of(document["edition"], document["group"]["name"], document["event"]["code"])


def event_key_of(edition: int, group_name: str, event_code: str) -> str:
    """The event key of :func:`event_key` from its parts (the migration computes the same)."""
    material = f"{int(edition)}\x1f{group_name.strip()}\x1f{event_code.strip().upper()}"
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def _check_fields(document: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    report_id = document.get("report_id")
    try:
        if not isinstance(report_id, str) or len(report_id) > MAX_TEXT:
            raise ValueError(report_id)
        uuid.UUID(report_id)
    except ValueError:
        reasons.append(tr(_l("The report id is missing or is not a UUID.")))
    edition = document.get("edition")
    if not is_edition(edition):
        reasons.append(tr(_l("The edition must be a year (a whole number).")))
    group = document.get("group")
    if not isinstance(group, dict) or not _is_text(group.get("name")):
        reasons.append(tr(_l("The group's name is missing.")))
    event = document.get("event")
    if not isinstance(event, dict) or not all(
        _is_text(event.get(key)) for key in ("title", "code", "starts_at")
    ):
        reasons.append(tr(_l("The event needs a title, a code and a start time.")))
    created_at = document.get("created_at")
    if created_at is not None and _moment(created_at) is None:
        reasons.append(tr(_l("The time the file was exported is not a date and time.")))
    if not isinstance(document.get("totals"), list):
        reasons.append(tr(_l("The totals are missing.")))
    elif len(document["totals"]) > MAX_LINES:
        reasons.append(tr(_l("The file has too many lines of totals.")))
    if not isinstance(document.get("checksum"), str):
        reasons.append(tr(_l("The checksum is missing.")))
    return reasons


def _verify_checksum(document: dict[str, Any]) -> None:
    given = document["checksum"]
    algorithm, _, _ = given.partition(":")
    key = _signing_key()
    if algorithm == "hmac-sha256" and not key:
        raise ReportFileError(
            [
                tr(
                    _l(
                        "This report is signed with a shared key, but this instance has no "
                        "REPORT_SIGNING_KEY configured to check it."
                    )
                )
            ]
        )
    if algorithm == "sha256" and key:
        raise ReportFileError(
            [
                tr(
                    _l(
                        "This report is not signed, and this instance only accepts reports "
                        "signed with the section's shared key (REPORT_SIGNING_KEY)."
                    )
                )
            ]
        )
    if algorithm not in ("sha256", "hmac-sha256") or not hmac.compare_digest(
        given, checksum(document)
    ):
        raise ReportFileError(
            [
                tr(
                    _l(
                        "The checksum does not match: the file was damaged or changed after it "
                        "was exported. Ask the group for the original file."
                    )
                )
            ]
        )


def _check_totals(document: dict[str, Any]) -> list[str]:
    reasons: list[str] = []
    first, last = edition_window(document["edition"])
    slugs = set(
        db.session.scalars(select(Case.slug).where(Case.edition == document["edition"])).all()
    )
    keys = {"case", "kind", "language", "channel", "day", "quantity"}
    total = 0
    for number, line in enumerate(document["totals"], start=1):
        if not isinstance(line, dict) or set(line) != keys:
            reasons.append(tr(_l("Line %(n)s of the totals is malformed.", n=number)))
            continue
        if not isinstance(line["case"], str) or line["case"] not in slugs:
            reasons.append(
                tr(
                    _l(
                        "Line %(n)s: unknown case %(slug)s in edition %(edition)s.",
                        n=number,
                        slug=str(line["case"])[:80],
                        edition=document["edition"],
                    )
                )
            )
        if not isinstance(line["kind"], str) or line["kind"] not in KIND_NAMES:
            reasons.append(
                tr(_l("Line %(n)s: unknown kind %(kind)s.", n=number, kind=str(line["kind"])[:40]))
            )
        if not isinstance(line["channel"], str) or line["channel"] not in CHANNELS:
            reasons.append(tr(_l("Line %(n)s: unknown channel.", n=number)))
        if not isinstance(line["language"], str) or len(line["language"]) > 10:
            reasons.append(tr(_l("Line %(n)s: the language is not valid.", n=number)))
        try:
            if not isinstance(line["day"], str) or len(line["day"]) > 10:
                raise ValueError(line["day"])
            day = date.fromisoformat(line["day"])
            if not first <= day <= last:
                reasons.append(
                    tr(
                        _l(
                            "Line %(n)s: the day %(day)s is outside edition %(edition)s.",
                            n=number,
                            day=str(line["day"]),
                            edition=document["edition"],
                        )
                    )
                )
        except (TypeError, ValueError):
            reasons.append(tr(_l("Line %(n)s: the day must be written YYYY-MM-DD.", n=number)))
        quantity = line["quantity"]
        if not _is_int(quantity) or not 0 <= quantity <= MAX_LINE_QUANTITY:
            reasons.append(
                tr(
                    _l(
                        "Line %(n)s: the quantity must be a whole number, 0 or more and at most "
                        "%(max)s.",
                        n=number,
                        max=MAX_LINE_QUANTITY,
                    )
                )
            )
        else:
            total += quantity
        if len(reasons) >= 20:
            reasons.append(tr(_l("(further problems not listed)")))
            break
    if total > MAX_REPORT_TOTAL:
        reasons.append(
            tr(
                _l(
                    "The file counts %(total)s letters in all, more than one event can write "
                    "(at most %(max)s). Ask the group for the original file.",
                    total=total,
                    max=MAX_REPORT_TOTAL,
                )
            )
        )
    return reasons
