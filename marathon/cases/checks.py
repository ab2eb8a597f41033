"""Field-level checks of the case files: each records errors naming the file and the field."""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import gettext

from marathon.kinds import KINDS, VOLUNTEER_TEXT_FIELDS
from marathon.render import fitting

PHOTO_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
MAX_PHOTO_BYTES = 5 * 1024 * 1024
TEXTS_DIR = "texts"
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Babel territories that are regions or placeholders, not countries.
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO"}
COUNTRY_CODES = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)
ADDRESS_FIELDS = {"title": str, "name": str, "address_lines": list, "country": str, "email": str}
# What volunteers read (never mailed), then what is mailed (marathon.kinds names which kind uses
# which: the salutation or the greeting by voice, the suggested text by kind).
TEXT_FIELDS = (
    *VOLUNTEER_TEXT_FIELDS,
    "photo_alt",
    "salutation",
    "greeting",
    "appeal_body",
    "postcard_appeal",
    "card_message",
)
# Every window the app prints an address in, and the postcard's address side.
WINDOW_BOXES = ("a4-left", "a4-right", "letter-left", "letter-right", "postcard")
TEXT_REQUIRED = ("title", "summary", "story", "ask", "card_rules")
MAX_LENGTHS = {"slug": 80, "person": 200, "photo": 200, "photo_credit": 300, "source": 500}
SUMMARY_MAX = 200
_TYPE_NAMES = {str: "text", int: "whole number", list: "list", dict: "table"}


def _(message: str, **variables: Any) -> str:
    """Translate when a locale can be chosen (a request, or ``force_locale`` in the CLI).

    Validation also runs where neither exists (scripts, tests): then the English message.
    """
    try:
        return gettext(message, **variables)
    except RuntimeError:
        return message % variables if variables else message


@dataclass(frozen=True)
class CaseFileError:
    """One problem in a case file: which file, which field, what is wrong."""

    path: str
    field: str | None
    message: str

    def __str__(self) -> str:
        if self.field:
            return f"{self.path}: field '{self.field}': {self.message}"
        return f"{self.path}: {self.message}"


class Collector:
    """Gathers errors with paths shown relative to the folder holding ``cases/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[CaseFileError] = []

    def show(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def add(self, path: Path, field_name: str | None, message: str) -> None:
        self.errors.append(CaseFileError(self.show(path), field_name, message))


def read_toml(path: Path, errors: Collector) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        errors.add(path, None, _("this file is missing"))
    except tomllib.TOMLDecodeError as error:
        errors.add(path, None, _("not valid TOML: %(error)s", error=str(error)))
    except (OSError, UnicodeDecodeError) as error:
        errors.add(path, None, _("cannot be read: %(error)s", error=str(error)))
    return None


def read_themes_file(path: Path, errors: Collector) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    data = read_toml(path, errors) or {}
    themes: dict[str, dict[str, str]] = {}
    for slug, labels in data.items():
        if not re.fullmatch(r"[a-z0-9_]+", slug):
            errors.add(path, slug, _("a theme's name uses only a-z, 0-9 and _"))
        elif not isinstance(labels, dict) or not labels:
            errors.add(path, slug, _('give the theme\'s label per language, like en = "Climate"'))
        elif not all(isinstance(v, str) and v.strip() for v in labels.values()):
            errors.add(path, slug, _("every label must be non-empty text"))
        else:
            themes[slug] = {lang: label.strip() for lang, label in labels.items()}
    return themes


def unknown_keys(
    data: dict[str, Any], allowed: Any, path: Path, errors: Collector, prefix: str = ""
) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = _(" (did you mean '%(name)s'?)", name=close[0]) if close else ""
            errors.add(path, prefix + key, _("unknown field") + hint)


def typed(
    data: dict[str, Any], name: str, kind: type, path: Path, errors: Collector, prefix: str = ""
) -> Any:
    """The value of ``name`` if present and of type ``kind`` (else None, error recorded)."""
    if name not in data:
        return None
    value = data[name]
    wrong = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
    if wrong:
        errors.add(
            path,
            prefix + name,
            _(
                "must be %(expected)s, not %(found)r",
                expected=_TYPE_NAMES.get(kind, kind.__name__),
                found=value,
            ),
        )
        return None
    if kind is str:
        value = value.strip()
        limit = MAX_LENGTHS.get(name)
        if not value:
            errors.add(path, prefix + name, _("must not be empty"))
            return None
        if limit and len(value) > limit:
            errors.add(path, prefix + name, _("is longer than %(limit)s characters", limit=limit))
            return None
    return value


def string_list(
    value: list[Any] | None, name: str, path: Path, errors: Collector, prefix: str = ""
) -> list[str]:
    if value is None:
        return []
    if not all(isinstance(item, str) and item.strip() for item in value):
        errors.add(path, prefix + name, _("must be a list of non-empty texts"))
        return []
    return [item.strip() for item in value]


def country_code(value: str | None, name: str, path: Path, errors: Collector) -> str | None:
    if value is None:
        return None
    code = value.upper()
    if code not in COUNTRY_CODES or len(value) != 2:
        errors.add(
            path,
            name,
            _("'%(code)s' is not an ISO country code (two letters, like MG)", code=value),
        )
        return None
    return code


def read_address(
    raw: dict[str, Any] | None, name: str, path: Path, errors: Collector
) -> dict[str, Any] | None:
    if raw is None:
        return None
    prefix = f"{name}."
    unknown_keys(raw, ADDRESS_FIELDS, path, errors, prefix)
    values = {
        key: typed(raw, key, kind, path, errors, prefix) for key, kind in ADDRESS_FIELDS.items()
    }
    for required in ("name", "address_lines", "country"):
        if required not in raw:
            errors.add(path, prefix + required, _("this field is required"))
    lines = string_list(values["address_lines"], "address_lines", path, errors, prefix)
    if "address_lines" in raw and values["address_lines"] is not None and not raw["address_lines"]:
        errors.add(path, prefix + "address_lines", _("give at least one line of the address"))
    email = values["email"]
    if email and not EMAIL_RE.match(email):
        errors.add(path, prefix + "email", _("'%(email)s' is not an email address", email=email))
    return {
        "title": values["title"] or "",
        "name": values["name"] or "",
        "address_lines": lines,
        "country": country_code(values["country"], prefix + "country", path, errors) or "",
        "email": email or "",
    }


def address_lines(address: dict[str, Any]) -> list[str]:
    """The lines an address prints in a window: title, name, street lines, country."""
    country = address.get("country", "")
    lines = [address.get("title", ""), address.get("name", ""), *address.get("address_lines", ())]
    # The country prints as its name in the letter's language: the longest of ours stands in.
    longest = max((name for name in _country_names(country)), key=len, default=country)
    return [line for line in (*lines, longest.upper()) if line]


def _country_names(code: str) -> list[str]:
    names = []
    for language in ("fr", "en", "es", "nl", "de", "ar"):
        try:
            names.append(Locale.parse(language).territories.get(code, code))
        except (UnknownLocaleError, ValueError):
            continue
    return names


def check_window_fit(
    address: dict[str, Any] | None, name: str, path: Path, errors: Collector
) -> None:
    """Refuse an address that would not fit a letter's window or a postcard, even wrapped small.

    Measured with the fonts the PDF embeds (marathon/render/fitting.py), in every window the
    app prints (A4 and US Letter, left and right) with the longest return line the form allows.
    """
    if not address:
        return
    lines = address_lines(address)
    too_long = [
        box
        for box in WINDOW_BOXES
        if not fitting.address_fits(box, lines, return_line=fitting.LONGEST_RETURN_LINE)
    ]
    if too_long:
        errors.add(
            path,
            name,
            _(
                "the address does not fit an envelope's window (%(windows)s), even wrapped in "
                "small print: shorten its lines or use fewer",
                windows=", ".join(too_long),
            ),
        )


def check_photo(
    folder: Path, name: str | None, case_file: Path, errors: Collector
) -> tuple[str | None, str]:
    if name is None:
        return None, ""
    if "/" in name or "\\" in name or name.startswith("."):
        errors.add(case_file, "photo", _("give a file name inside the case folder, not a path"))
        return None, ""
    path = folder / name
    suffix = path.suffix.lower()
    if suffix not in PHOTO_TYPES:
        errors.add(
            case_file,
            "photo",
            _(
                "'%(name)s' is not a supported picture type (use %(types)s)",
                name=name,
                types=", ".join(sorted(PHOTO_TYPES)),
            ),
        )
        return None, ""
    if not path.is_file():
        errors.add(
            case_file, "photo", _("the file '%(name)s' is not in the case folder", name=name)
        )
        return None, ""
    size = path.stat().st_size
    if size > MAX_PHOTO_BYTES:
        errors.add(
            case_file,
            "photo",
            _(
                "'%(name)s' is %(size)s MB; make it smaller than %(limit)s MB",
                name=name,
                size=round(size / 1024 / 1024, 1),
                limit=MAX_PHOTO_BYTES // 1024 // 1024,
            ),
        )
        return None, ""
    content = path.read_bytes()
    if not _looks_like(content, suffix):
        errors.add(
            case_file,
            "photo",
            _("'%(name)s' does not hold a %(type)s picture", name=name, type=PHOTO_TYPES[suffix]),
        )
        return None, ""
    return name, hashlib.sha256(content).hexdigest()


def _looks_like(content: bytes, suffix: str) -> bool:
    if suffix == ".png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if suffix in {".jpg", ".jpeg"}:
        return content.startswith(b"\xff\xd8\xff")
    return b"<svg" in content[:4096]


def read_texts(
    folder: Path,
    languages: list[str],
    kinds: list[str],
    has_photo: bool,
    case_file: Path,
    errors: Collector,
) -> dict[str, dict[str, str]]:
    texts_dir = folder / TEXTS_DIR
    required = list(TEXT_REQUIRED)
    if has_photo:
        required.append("photo_alt")
    for name in kinds:
        if name in KINDS:
            required += [KINDS[name].salutation_field, KINDS[name].mailed_text]
    required = list(dict.fromkeys(required))
    texts: dict[str, dict[str, str]] = {}
    for lang in languages:
        if not LANGUAGE_RE.match(lang) or not _known_language(lang):
            errors.add(case_file, "languages", _("'%(lang)s' is not a language code", lang=lang))
            continue
        if lang in texts:
            errors.add(case_file, "languages", _("'%(lang)s' is listed twice", lang=lang))
            continue
        path = texts_dir / f"{lang}.toml"
        data = read_toml(path, errors)
        if data is None:
            continue
        unknown_keys(data, TEXT_FIELDS, path, errors)
        entry: dict[str, str] = {}
        for name in TEXT_FIELDS:
            value = typed(data, name, str, path, errors)
            if value is not None:
                entry[name] = value
        for name in required:
            if name not in data:
                errors.add(path, name, _("this field is required"))
        if "summary" in entry and ("\n" in entry["summary"] or len(entry["summary"]) > SUMMARY_MAX):
            errors.add(
                path,
                "summary",
                _(
                    "keep the summary to one line of at most %(limit)s characters",
                    limit=SUMMARY_MAX,
                ),
            )
        texts[lang] = entry
    if texts_dir.is_dir():
        for extra in sorted(texts_dir.glob("*.toml")):
            if extra.stem not in languages:
                errors.add(
                    case_file,
                    "languages",
                    _(
                        "texts/%(file)s exists but '%(lang)s' is not in languages",
                        file=extra.name,
                        lang=extra.stem,
                    ),
                )
    return texts


def _known_language(code: str) -> bool:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True
