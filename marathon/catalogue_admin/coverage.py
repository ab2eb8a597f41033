"""The translator's view: which case × kind × language texts exist and which are missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from marathon.cases.models import Case
from marathon.kinds import FORMAL, KIND_NAMES, KINDS, VOLUNTEER_TEXT_FIELDS
from marathon.render.letters import template_languages

# The case texts every kind needs in a language (what volunteers read)...
CASE_FIELDS = VOLUNTEER_TEXT_FIELDS
# ...and what each kind mails: its suggested text, and a personal kind's greeting (a formal
# kind's salutation is kept in its own column, checked when the case is loaded).
KIND_FIELDS = {
    name: (known.mailed_text,) if known.voice == FORMAL else (known.mailed_text, "greeting")
    for name, known in KINDS.items()
}


@dataclass
class Cell:
    """One case × kind × language: what exists and what is missing."""

    has_template: bool
    has_case_text: bool
    missing_fields: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """complete, partial (case text lacks fields), no_text, no_template or missing."""
        if not self.has_template and not self.has_case_text:
            return "missing"
        if not self.has_template:
            return "no_template"
        if not self.has_case_text:
            return "no_text"
        return "partial" if self.missing_fields else "complete"


@dataclass
class CaseCoverage:
    """A case's row of the translator's view."""

    case: Case
    cells: dict[tuple[str, str], Cell]


def coverage_languages() -> list[str]:
    """Languages shown as columns: the interface's, then any a case or template adds."""

    languages = list(current_app.config["LANGUAGES"])
    for kind in KIND_NAMES:
        for language in template_languages(kind):
            if language not in languages:
                languages.append(language)
    return languages


def translation_coverage(cases: list[Case], languages: list[str]) -> list[CaseCoverage]:
    """For every case, kind it offers and language: template present, case texts present."""

    templates = {kind: set(template_languages(kind)) for kind in KIND_NAMES}
    rows = []
    for case in cases:
        cells: dict[tuple[str, str], Cell] = {}
        for kind in case.kinds:
            for language in languages:
                texts = case.texts.get(language)
                needed = CASE_FIELDS + KIND_FIELDS.get(kind, ())
                cells[(kind, language)] = Cell(
                    has_template=language in templates.get(kind, set()),
                    has_case_text=texts is not None,
                    missing_fields=[name for name in needed if texts and not texts.get(name)],
                )
        rows.append(CaseCoverage(case=case, cells=cells))
    return rows
