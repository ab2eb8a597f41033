"""The case catalogue: load the case folders into the database, and query them."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marathon.cases.loader import (
    PHOTO_TYPES,
    CaseData,
    CaseFileError,
    CaseValidationError,
    read_cases,
    read_themes,
)
from marathon.cases.models import Case, Outcome
from marathon.clock import utcnow
from marathon.countries import country_name
from marathon.database import begin_write
from marathon.editions import current_edition
from marathon.extensions import db
from marathon.storage import uploaded_photo_path

__all__ = [
    "CaseFileError",
    "CaseValidationError",
    "LoadReport",
    "case_countries",
    "case_themes",
    "get_case",
    "list_cases",
    "load_cases",
    "photo_path",
    "theme_label",
]


@dataclass
class LoadReport:
    """What a load did (or, with ``check_only``, what it found valid)."""

    cases: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    outcomes: int = 0
    outcomes_added: int = 0
    check_only: bool = False

    def __str__(self) -> str:
        case_word = "case" if self.cases == 1 else "cases"
        outcome_word = "outcome" if self.outcomes == 1 else "outcomes"
        if self.check_only:
            return (
                f"{self.cases} {case_word} valid; {self.outcomes} {outcome_word}"
                " (checked only, nothing loaded)"
            )
        text = (
            f"{self.cases} {case_word}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.deactivated:
            text += f", {self.deactivated} no longer in the folder (marked inactive)"
        return f"{text}; {self.outcomes} {outcome_word}"


def cases_root(cases_dir: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding ``<edition>/<slug>/`` case folders."""
    return Path(cases_dir or current_app.config["CASES_DIR"]).resolve()


def load_cases(
    cases_dir: str | os.PathLike[str] | None = None, *, check_only: bool = False
) -> LoadReport:
    """Validate every case folder, then upsert them all in one transaction.

    Raises :class:`CaseValidationError` listing every problem, before changing anything. Cases
    that left the folder are marked inactive, never deleted: letters refer to them. Running it
    again on the same folder changes nothing.
    """
    root = cases_root(cases_dir)
    found = read_cases(root)
    report = LoadReport(
        cases=len(found), outcomes=sum(len(c.outcomes) for c in found), check_only=check_only
    )
    if check_only:
        return report
    begin_write()
    try:
        existing = {
            (case.edition, case.slug): case
            for case in db.session.scalars(select(Case).options(selectinload(Case.outcomes)))
        }
        for data in found:
            case = existing.pop((data.edition, data.slug), None)
            if case is None:
                case = Case(edition=data.edition, slug=data.slug)
                db.session.add(case)
                report.added += 1
            elif case.content_hash == data.content_hash and case.active:
                report.unchanged += 1
                continue
            else:
                report.updated += 1
            _store(case, data, root, report)
        for case in existing.values():
            if case.active:
                case.active = False
                case.updated_at = utcnow()
                report.deactivated += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _store(case: Case, data: CaseData, root: Path, report: LoadReport) -> None:
    case.position = data.position
    case.person = data.person
    case.country = data.country
    case.themes = data.themes
    case.kinds = data.kinds
    case.photo = data.photo
    case.photo_credit = data.photo_credit
    case.photo_alt = data.photo_alt
    case.texts = data.texts
    case.appeal_addressee = data.appeal_addressee
    case.appeal_salutation = data.appeal_salutation
    case.card_address = data.card_address
    case.sample_fields = data.sample_fields
    case.source = data.source
    case.source_dir = _source_dir(data.folder, root)
    case.content_hash = data.content_hash
    case.active = True
    case.updated_at = utcnow()
    # Outcomes are keyed by (date, kind): the file's ones are updated or added. Others are kept:
    # coordinators also record outcomes in the app (reports), and those must survive a reload.
    wanted = {(o.date, o.kind): o for o in data.outcomes}
    for outcome in case.outcomes:
        item = wanted.pop((outcome.date, outcome.kind), None)
        if item is not None:
            outcome.notes = item.notes
            outcome.source_url = item.source
    for item in wanted.values():
        case.outcomes.append(
            Outcome(date=item.date, kind=item.kind, notes=item.notes, source_url=item.source)
        )
        report.outcomes_added += 1


def _source_dir(folder: Path, root: Path) -> str:
    # Relative to the configured CASES_DIR when possible, so the database survives a move of
    # the checkout; a folder loaded with --dir elsewhere is kept absolute.
    configured = Path(current_app.config["CASES_DIR"]).resolve()
    if root == configured:
        return folder.relative_to(root).as_posix()
    return str(folder.resolve())


# Queries -----------------------------------------------------------------------------------


def list_cases(edition: int, *, country: str | None = None, theme: str | None = None) -> list[Case]:
    """The active cases of ``edition``, in the catalogue's order, optionally filtered."""
    query = (
        select(Case)
        .where(Case.edition == edition, Case.active.is_(True))
        .options(selectinload(Case.outcomes))
        .order_by(Case.position, Case.slug)
    )
    if country:
        query = query.where(Case.country == country.upper())
    cases = list(db.session.scalars(query))
    if theme:
        # Themes are a JSON list; the catalogue is small, so filter here on every database.
        cases = [case for case in cases if theme in (case.themes or [])]
    return cases


def get_case(
    slug: str,
    edition: int | None = None,
    *,
    include_inactive: bool = False,
    with_outcomes: bool = True,
) -> Case | None:
    """One case of ``edition`` (the current one by default), or None.

    ``with_outcomes=False`` skips loading the timeline (the write path does not show it).
    """
    query = select(Case).where(Case.slug == slug, Case.edition == (edition or current_edition()))
    if not include_inactive:
        query = query.where(Case.active.is_(True))
    if with_outcomes:
        query = query.options(selectinload(Case.outcomes))
    return db.session.scalars(query).first()


def case_countries(edition: int, locale: str | None = None) -> list[tuple[str, str]]:
    """(code, localized name) of the countries of the edition's active cases, by name."""
    codes = db.session.scalars(
        select(Case.country).where(Case.edition == edition, Case.active.is_(True)).distinct()
    )
    language = locale or _current_locale()
    return sorted(
        ((code, country_name(code, language)) for code in codes), key=lambda p: sort_key(p[1])
    )


def case_themes(edition: int, locale: str | None = None) -> list[tuple[str, str]]:
    """(theme, localized label) of the themes of the edition's active cases, by label."""
    themes: set[str] = set()
    for case_theme_list in db.session.scalars(
        select(Case.themes).where(Case.edition == edition, Case.active.is_(True))
    ):
        themes.update(case_theme_list or [])
    language = locale or _current_locale()
    return sorted(((t, theme_label(t, language)) for t in themes), key=lambda p: sort_key(p[1]))


def photo_path(case: Case) -> Path | None:
    """The case's picture on disk, or None when it has none (or the file went missing)."""
    # An admin's upload wins over the folder's photo.
    uploaded = uploaded_photo_path(case.edition, case.slug)
    if uploaded is not None:
        return uploaded
    if not case.photo or not case.source_dir:
        return None
    folder = Path(case.source_dir)
    if not folder.is_absolute():
        folder = Path(current_app.config["CASES_DIR"]) / folder
    path = folder / case.photo
    return path if path.is_file() else None


def photo_mimetype(path: Path) -> str:
    """The media type of a case picture, from its (validated) suffix."""
    return PHOTO_TYPES.get(path.suffix.lower(), "application/octet-stream")


_THEMES_CACHE: dict[Path, tuple[float, dict[str, dict[str, str]]]] = {}


def theme_labels() -> dict[str, dict[str, str]]:
    """Theme labels per language from ``cases/themes.toml``, re-read when the file changes."""
    root = cases_root()
    path = root / "themes.toml"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    cached = _THEMES_CACHE.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, read_themes(root))
        _THEMES_CACHE[path] = cached
    return cached[1]


def theme_label(theme: str, locale: str) -> str:
    """A theme's label in ``locale``, else in English, else its name."""
    labels = theme_labels().get(theme, {})
    language = locale.split("_")[0]
    return labels.get(language) or labels.get("en") or theme.replace("_", " ").capitalize()


def _current_locale() -> str:

    locale = get_locale()
    return str(locale) if locale else current_app.config["DEFAULT_LOCALE"]


def sort_key(text: str) -> str:
    """A sort key that ignores case and accents, so "Éthiopie" sorts among the E's."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
