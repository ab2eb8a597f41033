"""Read and validate the case folders (``cases/<edition>/<slug>/``) without touching the database.

Every problem is collected, never just the first one, so that a section volunteer fixes a whole
folder in one go. Messages name the file, the field and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from marathon.cases.checks import (
    ADDRESS_FIELDS,
    MAX_LENGTHS,
    PHOTO_TYPES,
    TEXT_FIELDS,
    CaseFileError,
    Collector,
    _,
    check_photo,
    check_window_fit,
    country_code,
    read_address,
    read_texts,
    read_themes_file,
    read_toml,
    string_list,
    typed,
    unknown_keys,
)
from marathon.cases.outcome_checks import OutcomeData, read_outcomes
from marathon.kinds import APPEAL_ADDRESSEE, CARD_ADDRESS, KIND_NAMES, KINDS

__all__ = [
    "PHOTO_TYPES",
    "CaseData",
    "CaseFileError",
    "CaseValidationError",
    "OutcomeData",
    "read_cases",
    "read_themes",
]

CASE_FILE = "case.toml"
OUTCOMES_FILE = "outcomes.toml"
THEMES_FILE = "themes.toml"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

CASE_FIELDS = {
    "slug": str,
    "edition": int,
    "position": int,
    "person": str,
    "country": str,
    "themes": list,
    "kinds": list,
    "languages": list,
    "photo": str,
    "photo_credit": str,
    "sample_fields": list,
    "source": str,
    "appeal_addressee": dict,
    "card_address": dict,
}
CASE_REQUIRED = ("position", "person", "country", "themes", "kinds", "languages")
# Dotted names a case may list in ``sample_fields``.
SAMPLE_FIELD_NAMES = frozenset(
    {"person", "country", "photo", "photo_credit", "source", "appeal_addressee", "card_address"}
    | {f"appeal_addressee.{name}" for name in ADDRESS_FIELDS}
    | {f"card_address.{name}" for name in ADDRESS_FIELDS}
    | {f"texts.{name}" for name in TEXT_FIELDS}
)


class CaseValidationError(Exception):
    """The case folders hold errors; nothing was loaded."""

    def __init__(self, errors: list[CaseFileError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass
class CaseData:
    """One case as read from its folder: plain values, ready to be stored."""

    edition: int
    slug: str
    position: int
    person: str
    country: str
    themes: list[str]
    kinds: list[str]
    photo: str | None
    photo_credit: str | None
    photo_alt: dict[str, str]
    texts: dict[str, dict[str, str]]
    appeal_addressee: dict[str, Any]
    appeal_salutation: dict[str, str]
    card_address: dict[str, Any] | None
    sample_fields: list[str]
    source: str | None
    folder: Path
    outcomes: list[OutcomeData] = field(default_factory=list)
    photo_digest: str = ""

    @property
    def content_hash(self) -> str:
        """A digest of everything stored, the photo's bytes included: unchanged folders skip."""
        data = asdict(self)
        data.pop("folder")
        payload = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def read_cases(cases_dir: Path) -> list[CaseData]:
    """Read and validate every case folder under ``cases_dir``; raise with every error found."""
    errors = Collector(cases_dir)
    if not cases_dir.is_dir():
        errors.add(cases_dir, None, _("the cases folder does not exist"))
        raise CaseValidationError(errors.errors)
    themes = read_themes_file(cases_dir / THEMES_FILE, errors)
    cases: list[CaseData] = []
    seen: dict[tuple[int, str], Path] = {}
    for edition_dir in sorted(p for p in cases_dir.iterdir() if _visible_dir(p)):
        if not re.fullmatch(r"\d{4}", edition_dir.name):
            errors.add(
                edition_dir,
                None,
                _("a folder here must be named after its edition's year, like 2025"),
            )
            continue
        for case_dir in sorted(p for p in edition_dir.iterdir() if _visible_dir(p)):
            case = _read_case(case_dir, int(edition_dir.name), themes, errors)
            if case is None:
                continue
            key = (case.edition, case.slug)
            if key in seen:
                errors.add(
                    case_dir / CASE_FILE,
                    "slug",
                    _(
                        "'%(slug)s' is already the slug of %(other)s",
                        slug=case.slug,
                        other=errors.show(seen[key]),
                    ),
                )
                continue
            seen[key] = case_dir
            cases.append(case)
    if errors.errors:
        raise CaseValidationError(errors.errors)
    return sorted(cases, key=lambda c: (c.edition, c.position, c.slug))


def read_themes(cases_dir: Path) -> dict[str, dict[str, str]]:
    """Theme slugs and their label per language, from ``cases/themes.toml`` (empty if none)."""
    errors = Collector(cases_dir)
    return read_themes_file(cases_dir / THEMES_FILE, errors)


def _visible_dir(path: Path) -> bool:
    # Folders starting with "." or "_" are drafts or tooling, never loaded.
    return path.is_dir() and not path.name.startswith((".", "_"))


def _read_case(
    folder: Path, edition: int, themes: dict[str, dict[str, str]], errors: Collector
) -> CaseData | None:
    start = len(errors.errors)
    case_file = folder / CASE_FILE
    data = read_toml(case_file, errors)
    if data is None:
        return None
    unknown_keys(data, CASE_FIELDS, case_file, errors)
    for name in CASE_REQUIRED:
        if name not in data:
            errors.add(case_file, name, _("this field is required"))
    v = {name: typed(data, name, kind, case_file, errors) for name, kind in CASE_FIELDS.items()}

    slug = v["slug"] or folder.name
    if not SLUG_RE.match(slug) or len(slug) > MAX_LENGTHS["slug"]:
        errors.add(
            case_file,
            "slug",
            _(
                "'%(slug)s' is not a valid slug: use a-z, 0-9 and single hyphens"
                " (or name the folder so)",
                slug=slug,
            ),
        )
    if v["edition"] is not None and v["edition"] != edition:
        errors.add(
            case_file,
            "edition",
            _(
                "%(edition)s does not match the folder's edition %(folder)s",
                edition=v["edition"],
                folder=edition,
            ),
        )
    country = country_code(v["country"], "country", case_file, errors)

    kinds = string_list(v["kinds"], "kinds", case_file, errors)
    for kind in kinds:
        if kind not in KINDS:
            errors.add(
                case_file,
                "kinds",
                _(
                    "unknown kind '%(kind)s' (known kinds: %(known)s)",
                    kind=kind,
                    known=", ".join(KIND_NAMES),
                ),
            )
    if v["kinds"] is not None and not kinds:
        errors.add(case_file, "kinds", _("offer at least one kind of letter"))
    case_themes = string_list(v["themes"], "themes", case_file, errors)
    for theme in case_themes:
        if theme not in themes:
            errors.add(
                case_file,
                "themes",
                _(
                    "unknown theme '%(theme)s': add it to cases/themes.toml first"
                    " (known: %(known)s)",
                    theme=theme,
                    known=", ".join(sorted(themes)) or "-",
                ),
            )
    sample_fields = string_list(v["sample_fields"], "sample_fields", case_file, errors)
    for name in sample_fields:
        if name not in SAMPLE_FIELD_NAMES:
            errors.add(case_file, "sample_fields", _("'%(name)s' is not a case field", name=name))

    addressee = read_address(v["appeal_addressee"], "appeal_addressee", case_file, errors)
    card_address = read_address(v["card_address"], "card_address", case_file, errors)
    destinations = {APPEAL_ADDRESSEE: addressee, CARD_ADDRESS: card_address}
    for kind_name in kinds:
        known = KINDS.get(kind_name)
        if known is None or destinations[known.destination] is not None:
            continue
        if known.destination not in data:  # a present but broken table is reported already
            errors.add(
                case_file,
                known.destination,
                _(
                    "required: the case offers '%(kind)s', which is sent to [%(field)s]",
                    kind=kind_name,
                    field=known.destination,
                ),
            )
    for field_name, address in destinations.items():
        check_window_fit(address, field_name, case_file, errors)

    photo, digest = check_photo(folder, v["photo"], case_file, errors)
    languages = string_list(v["languages"], "languages", case_file, errors)
    if v["languages"] is not None and not languages:
        errors.add(case_file, "languages", _('give at least one language, like ["fr"]'))
    texts = read_texts(folder, languages, kinds, photo is not None, case_file, errors)
    outcomes = read_outcomes(folder / OUTCOMES_FILE, languages, errors)

    if len(errors.errors) > start or country is None or v["position"] is None:
        return None
    return CaseData(
        edition=edition,
        slug=slug,
        position=v["position"],
        person=v["person"],
        country=country,
        themes=case_themes,
        kinds=kinds,
        photo=photo,
        photo_credit=v["photo_credit"],
        photo_alt={lang: t["photo_alt"] for lang, t in texts.items() if "photo_alt" in t},
        # Alt text and salutation have their own columns; the rest is the case's prose.
        texts={
            lang: {k: val for k, val in t.items() if k not in {"photo_alt", "salutation"}}
            for lang, t in texts.items()
        },
        appeal_addressee=addressee or {},
        appeal_salutation={lang: t["salutation"] for lang, t in texts.items() if "salutation" in t},
        card_address=card_address,
        sample_fields=sample_fields,
        source=v["source"],
        folder=folder,
        outcomes=outcomes,
        photo_digest=digest,
    )
