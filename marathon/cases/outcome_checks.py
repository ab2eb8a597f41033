"""Checks of a case's ``outcomes.toml``: dated outcomes, known kinds, notes in its languages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from marathon.cases.checks import Collector, _, read_toml, typed, unknown_keys
from marathon.cases.models import OUTCOME_KINDS

OUTCOME_FIELDS = {"date": object, "kind": str, "notes": dict, "source": str}


@dataclass
class OutcomeData:
    """One outcome as read from ``outcomes.toml``."""

    date: date
    kind: str
    notes: dict[str, str]
    source: str | None = None


def read_outcomes(path: Path, languages: list[str], errors: Collector) -> list[OutcomeData]:
    if not path.exists():
        return []
    data = read_toml(path, errors)
    if data is None:
        return []
    unknown_keys(data, {"outcomes"}, path, errors)
    entries = data.get("outcomes", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        errors.add(path, "outcomes", _("write each outcome as a [[outcomes]] table"))
        return []
    outcomes: list[OutcomeData] = []
    seen: set[tuple[date, str]] = set()
    for number, entry in enumerate(entries, start=1):
        prefix = f"outcomes[{number}]."
        before = len(errors.errors)
        unknown_keys(entry, OUTCOME_FIELDS, path, errors, prefix)
        for required in ("date", "kind", "notes"):
            if required not in entry:
                errors.add(path, prefix + required, _("this field is required"))
        when = _outcome_date(entry.get("date"), path, prefix + "date", errors)
        kind = typed(entry, "kind", str, path, errors, prefix)
        if kind is not None and kind not in OUTCOME_KINDS:
            errors.add(
                path,
                prefix + "kind",
                _(
                    "unknown outcome kind '%(kind)s' (known kinds: %(known)s)",
                    kind=kind,
                    known=", ".join(OUTCOME_KINDS),
                ),
            )
        notes = typed(entry, "notes", dict, path, errors, prefix) or {}
        for lang, note in notes.items():
            if lang not in languages:
                errors.add(
                    path,
                    f"{prefix}notes.{lang}",
                    _("'%(lang)s' is not one of the case's languages", lang=lang),
                )
            elif not isinstance(note, str) or not note.strip():
                errors.add(path, f"{prefix}notes.{lang}", _("must be non-empty text"))
        source = typed(entry, "source", str, path, errors, prefix)
        if len(errors.errors) > before or when is None or kind is None:
            continue
        if (when, kind) in seen:
            errors.add(path, prefix + "date", _("the same date and kind appear twice"))
            continue
        seen.add((when, kind))
        outcomes.append(OutcomeData(when, kind, {k: n.strip() for k, n in notes.items()}, source))
    return sorted(outcomes, key=lambda o: (o.date, o.kind))


def _outcome_date(value: Any, path: Path, name: str, errors: Collector) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        errors.add(path, name, _("give a date without a time, like 2025-01-23"))
        return None
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value))
        except ValueError:
            errors.add(path, name, _("'%(value)s' is not a date like 2025-01-23", value=value))
            return None
    if parsed > date.today():
        errors.add(path, name, _("%(value)s is in the future", value=parsed.isoformat()))
        return None
    return parsed
