"""Outcomes of cases: editing the timeline, and the good-news statistics computed from it.

The rule for "good news", stated on the public page too: a case counts as positive when at least
one of its outcomes is positive (any kind but "no change" and "worsened") and its latest outcome
is not "worsened". Each case counts once, whatever the number of its outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marathon.cases.models import OUTCOME_KINDS, POSITIVE_OUTCOME_KINDS, Case, Outcome
from marathon.database import begin_write
from marathon.extensions import db
from marathon.i18n import tr

# "Freed": the person is out of prison or the case against them is over.
FREED_KINDS = frozenset({"released", "conditional_release", "acquitted", "charges_dropped"})
MAX_NOTE = 2000


class OutcomeError(ValueError):
    """An outcome that cannot be saved; ``field`` names what to fix."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _clean(
    *, day: date | None, kind: str, notes: dict[str, str], source_url: str | None
) -> tuple[date, str, dict[str, str], str | None]:
    if not isinstance(day, date):
        raise OutcomeError(tr(_l("Give the date of the outcome.")), "date")
    if day > date.today():
        raise OutcomeError(tr(_l("The date of an outcome cannot be in the future.")), "date")
    if kind not in OUTCOME_KINDS:
        raise OutcomeError(tr(_l("Choose what happened from the list.")), "kind")
    languages = current_app.config["LANGUAGES"]
    clean_notes = {}
    for language, text in (notes or {}).items():
        text = (text or "").strip()
        if not text:
            continue
        if language not in languages:
            raise OutcomeError(tr(_l("Notes can be written in %(l)s.", l=", ".join(languages))))
        if len(text) > MAX_NOTE:
            raise OutcomeError(
                tr(_l("Keep each note under %(n)s characters.", n=MAX_NOTE)), f"note_{language}"
            )
        clean_notes[language] = text
    url = (source_url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
            raise OutcomeError(
                tr(_l("The source must be a web address starting with http:// or https://.")),
                "source_url",
            )
    return day, kind, clean_notes, url


def _save(outcome: Outcome) -> Outcome:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise OutcomeError(
            tr(_l("This case already has an outcome of this kind on this date.")), "date"
        ) from None
    return outcome


def add_outcome(
    case: Case, *, day: date | None, kind: str, notes: dict[str, str], source_url: str | None
) -> Outcome:
    """Add a dated outcome to a case's timeline."""
    day, kind, notes, url = _clean(day=day, kind=kind, notes=notes, source_url=source_url)
    case_id = case.id
    begin_write()
    outcome = Outcome(case_id=case_id, date=day, kind=kind, notes=notes, source_url=url)
    db.session.add(outcome)
    return _save(outcome)


def update_outcome(
    outcome: Outcome, *, day: date | None, kind: str, notes: dict[str, str], source_url: str | None
) -> Outcome:
    """Change an outcome's date, kind, notes or source."""
    day, kind, notes, url = _clean(day=day, kind=kind, notes=notes, source_url=source_url)
    begin_write()
    outcome.date, outcome.kind, outcome.notes, outcome.source_url = day, kind, notes, url
    return _save(outcome)


def delete_outcome(outcome: Outcome) -> None:
    """Remove an outcome from its case's timeline."""
    begin_write()
    db.session.delete(outcome)
    db.session.commit()


def is_good_news(outcomes: list[Outcome]) -> bool:
    """The stated rule: any positive outcome, and the latest is not "worsened"."""
    if not outcomes:
        return False
    ordered = sorted(outcomes, key=lambda o: (o.date, o.id or 0))
    return any(o.kind in POSITIVE_OUTCOME_KINDS for o in ordered) and ordered[-1].kind != "worsened"


@dataclass(frozen=True)
class Statistic:
    """A published figure with what it counts: ``numerator`` out of ``denominator``."""

    key: str
    numerator: int
    denominator: int
    first_edition: int | None
    last_edition: int | None

    @property
    def ratio(self) -> float:
        return self.numerator / self.denominator if self.denominator else 0.0


def good_news() -> tuple[list[tuple[Case, list[Outcome]]], list[Statistic]]:
    """The cases with good news (latest good news first) and the statistics over every case."""
    cases = db.session.scalars(select(Case).order_by(Case.edition.desc(), Case.position)).all()
    outcomes: dict[int, list[Outcome]] = {}
    for outcome in db.session.scalars(select(Outcome).order_by(Outcome.date, Outcome.id)):
        outcomes.setdefault(outcome.case_id, []).append(outcome)
    editions = [case.edition for case in cases]
    first, last = (min(editions), max(editions)) if editions else (None, None)
    positive = [(c, outcomes[c.id]) for c in cases if is_good_news(outcomes.get(c.id, []))]
    freed = [c for c in cases if any(o.kind in FREED_KINDS for o in outcomes.get(c.id, []))]
    with_news = [c for c in cases if outcomes.get(c.id)]
    total = len(cases)
    stats = [
        Statistic("good_news", len(positive), total, first, last),
        Statistic("freed", len(freed), total, first, last),
        Statistic("followed", len(with_news), total, first, last),
    ]
    positive.sort(key=lambda item: max(o.date for o in item[1]), reverse=True)
    return positive, stats


def note_in(outcome: Outcome, language: str) -> tuple[str | None, str]:
    """The outcome's note in ``language``, else in any language (with the language shown)."""
    if outcome.notes.get(language):
        return language, outcome.notes[language]
    for other, text in (outcome.notes or {}).items():
        if text:
            return other, text
    return None, ""
