"""Totals read from the pre-aggregated tally, by any one or two dimensions.

Every figure on the report pages, the exports, the CLI and the public counter comes from
:func:`totals` (or :func:`public_totals`), which reads ``tally_count`` only: the letter table is
never scanned, so the cost depends on the number of distinct combinations, not on letters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marathon.cases.models import LETTER_KINDS, Case
from marathon.events.models import Event, Group
from marathon.extensions import db
from marathon.reports.text import tr
from marathon.tally.models import CHANNELS, ROLLUP_DIMENSIONS, TallyCount
from marathon.tally.service import rollup_totals

# Dimension name -> tally column. The order is the order of the "by" selector.
DIMENSIONS: dict[str, Any] = {
    "case": TallyCount.case_id,
    "kind": TallyCount.kind,
    "language": TallyCount.language,
    "channel": TallyCount.channel,
    "event": TallyCount.event_id,
    "group": TallyCount.group_id,
    "day": TallyCount.day,
    "edition": TallyCount.edition,
}
DIMENSION_LABELS = {
    "case": _l("Case"),
    "kind": _l("Kind"),
    "language": _l("Language"),
    "channel": _l("Channel"),
    "event": _l("Event"),
    "group": _l("Group"),
    "day": _l("Day"),
    "edition": _l("Edition"),
}
KIND_LABELS = {"appeal": _l("Appeal letter"), "card": _l("Card"), "postcard": _l("Postcard")}
CHANNEL_LABELS = {"online": _l("Online"), "handwritten": _l("Handwritten")}
MAX_DIMENSIONS = 2


class ReportError(ValueError):
    """A request for totals that cannot be answered as asked (the message says why)."""


@dataclass(frozen=True)
class Row:
    """One line of totals: the value of each requested dimension, its label, and the quantity."""

    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    quantity: int
    sort_key: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    def as_dict(self, by: tuple[str, ...]) -> dict[str, Any]:
        """The row as a flat mapping: ``<dim>`` (stable value), ``<dim>_label``, ``quantity``."""
        data: dict[str, Any] = {}
        for name, key, label in zip(by, self.keys, self.labels, strict=True):
            data[name] = key.isoformat() if isinstance(key, date) else key
            data[f"{name}_label"] = label
        data["quantity"] = self.quantity
        return data


def check_dimensions(by: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Validate a "by" list: known names, at most two, no repeats."""
    by = tuple(name for name in by if name)
    unknown = [name for name in by if name not in DIMENSIONS]
    if unknown:
        raise ReportError(
            tr(
                _l(
                    "Unknown breakdown %(names)s: choose among %(known)s.",
                    names=", ".join(unknown),
                    known=", ".join(DIMENSIONS),
                )
            )
        )
    if len(by) > MAX_DIMENSIONS:
        raise ReportError(tr(_l("Choose at most two breakdowns at once.")))
    if len(set(by)) != len(by):
        raise ReportError(tr(_l("Choose two different breakdowns.")))
    return by


def _filtered(statement: Any, edition: int | None, filters: dict, group_ids: list[int] | None):
    if edition is not None:
        statement = statement.where(TallyCount.edition == edition)
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if name not in DIMENSIONS:
            raise ReportError(tr(_l("Unknown filter %(name)s.", name=name)))
        statement = statement.where(DIMENSIONS[name] == value)
    if group_ids is not None:
        statement = statement.where(TallyCount.group_id.in_(group_ids or [-1]))
    return statement


def _rollup_answers(
    edition: int | None, by: tuple[str, ...], filters: dict | None, group_ids: list[int] | None
) -> bool:
    """Whether the per-dimension rollup holds this answer (one dimension, whole section)."""
    active_filters = {
        name: value for name, value in (filters or {}).items() if value not in (None, "")
    }
    return (
        edition is not None
        and not active_filters
        and group_ids is None
        and len(by) <= 1
        and (not by or by[0] in ROLLUP_DIMENSIONS)
    )


def _rollup_rows(edition: int, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Rows shaped like the GROUP BY query's: (key, quantity), keys typed like the tally's."""
    if not by:
        return [_RollupRow(sum(rollup_totals(edition, "all").values()))]
    dimension = by[0]
    rows = []
    for key, quantity in rollup_totals(edition, dimension).items():
        if dimension in ("case", "event", "group"):
            value: Any = int(key)
        elif dimension == "day":
            value = date.fromisoformat(key)
        else:
            value = key
        rows.append(_RollupRow(value, quantity))
    return rows


class _RollupRow(tuple):
    """A (key, quantity) pair that also answers ``.quantity`` like a result row."""

    def __new__(cls, *items: Any) -> _RollupRow:
        return super().__new__(cls, items)

    @property
    def quantity(self) -> int:
        return self[-1]


def totals(
    edition: int | None,
    *,
    by: tuple[str, ...] = (),
    filters: dict[str, Any] | None = None,
    group_ids: list[int] | None = None,
) -> list[Row]:
    """Letters (online + handwritten) of ``edition`` grouped by up to two dimensions.

    ``filters`` maps a dimension to the value stored in the tally (ids for case/event/group,
    a ``date`` for day). ``group_ids`` restricts to those groups (a coordinator's view); None
    means every group (a section admin's). ``edition=None`` spans every edition.
    """
    by = check_dimensions(by)
    if _rollup_answers(edition, by, filters, group_ids):
        raw = _rollup_rows(edition, by)  # type: ignore[arg-type]
    else:
        columns = [DIMENSIONS[name].label(f"d{index}") for index, name in enumerate(by)]
        statement = select(*columns, func.sum(TallyCount.quantity).label("quantity"))
        statement = _filtered(statement, edition, filters or {}, group_ids)
        if columns:
            statement = statement.group_by(*columns)
        raw = db.session.execute(statement).all()
    if not by:
        total = int(raw[0].quantity or 0) if raw else 0
        return [Row(keys=(), labels=(), quantity=total)]
    labels = _labels(by, [row[:-1] for row in raw])
    rows = []
    for record in raw:
        keys = tuple(record[:-1])
        described = [labels[name][key] for name, key in zip(by, keys, strict=True)]
        rows.append(
            Row(
                keys=tuple(item[0] for item in described),
                labels=tuple(item[1] for item in described),
                quantity=int(record.quantity or 0),
                sort_key=tuple(item[2] for item in described),
            )
        )
    rows.sort(key=lambda row: row.sort_key)
    return rows


def grand_total(rows: list[Row]) -> int:
    """The sum of a list of rows (the table's totals row)."""
    return sum(row.quantity for row in rows)


def _labels(by: tuple[str, ...], keys: list[tuple]) -> dict[str, dict[Any, tuple]]:
    """For each dimension: raw key -> (stable key, label, sort key). One query per named table."""
    result: dict[str, dict[Any, tuple]] = {}
    for index, name in enumerate(by):
        values = {key[index] for key in keys}
        result[name] = _describe(name, values)
    return result


def _describe(name: str, values: set) -> dict[Any, tuple]:
    if name == "case":
        cases = db.session.execute(
            select(Case.id, Case.slug, Case.person, Case.position).where(Case.id.in_(values))
        ).all()
        known = {c.id: (c.slug, c.person, (c.position, c.slug)) for c in cases}
        return {v: known.get(v, (str(v), str(v), (10**6, str(v)))) for v in values}
    if name == "event":
        events = db.session.execute(
            select(Event.id, Event.join_code, Event.title, Event.starts_at).where(
                Event.id.in_(values)
            )
        ).all()
        known = {
            e.id: (e.join_code, e.title, (1, e.starts_at.isoformat(), e.title)) for e in events
        }
        none = ("", tr(_l("No event (online)")), (0, "", ""))
        return {v: known.get(v, none) if v else none for v in values}
    if name == "group":
        groups = db.session.execute(select(Group.id, Group.name).where(Group.id.in_(values))).all()
        known = {g.id: (g.name, g.name, (1, g.name.casefold())) for g in groups}
        none = ("", tr(_l("No group")), (0, ""))
        return {v: known.get(v, none) if v else none for v in values}
    if name == "kind":
        order = {kind: i for i, kind in enumerate(LETTER_KINDS)}
        return {v: (v, tr(KIND_LABELS.get(v, v)), (order.get(v, 99), v)) for v in values}
    if name == "channel":
        order = {channel: i for i, channel in enumerate(CHANNELS)}
        return {v: (v, tr(CHANNEL_LABELS.get(v, v)), (order.get(v, 99), v)) for v in values}
    if name == "language":
        from marathon.i18n import LANGUAGE_NAMES

        return {v: (v, LANGUAGE_NAMES.get(v, v or "—"), (v,)) for v in values}
    if name == "day":
        return {v: (v, v.isoformat(), (v,)) for v in values}
    return {v: (v, str(v), (v,)) for v in values}  # edition


def edition_days(edition: int, group_ids: list[int] | None = None) -> list[tuple[date, int]]:
    """Letters per day of ``edition``, every day of December listed (0 where none)."""
    counts = {
        row.keys[0]: row.quantity for row in totals(edition, by=("day",), group_ids=group_ids)
    }
    december = [date(edition, 12, day) for day in range(1, 32)]
    extra = sorted(day for day in counts if day not in set(december))
    return [(day, counts.get(day, 0)) for day in [*extra, *december]]


def public_totals(edition: int) -> dict[str, Any]:
    """The public counter: per active case (slug, person, total) and the overall total."""
    per_case = {int(key): total for key, total in rollup_totals(edition, "case").items()}
    cases = db.session.execute(
        select(Case.id, Case.slug, Case.person)
        .where(Case.edition == edition)
        .order_by(Case.position, Case.slug)
    ).all()
    listed = [
        {"slug": c.slug, "person": c.person, "total": int(per_case.get(c.id) or 0)} for c in cases
    ]
    return {
        "edition": edition,
        "total": int(sum(int(q or 0) for q in per_case.values())),
        "cases": listed,
    }


def parse_filters(args: Any, edition: int) -> dict[str, Any]:
    """Turn query-string filters (case slug, event code, group name, ...) into tally values."""
    filters: dict[str, Any] = {}
    if args.get("case"):
        case_id = db.session.scalar(
            select(Case.id).where(Case.edition == edition, Case.slug == args["case"])
        )
        if case_id is None:
            raise ReportError(tr(_l("No case %(slug)s in this edition.", slug=args["case"])))
        filters["case"] = case_id
    if args.get("event"):
        event_id = db.session.scalar(select(Event.id).where(Event.join_code == args["event"]))
        if event_id is None:
            raise ReportError(tr(_l("No event with the code %(code)s.", code=args["event"])))
        filters["event"] = event_id
    if args.get("group"):
        group_id = db.session.scalar(select(Group.id).where(Group.name == args["group"]))
        if group_id is None:
            raise ReportError(tr(_l("No group named %(name)s.", name=args["group"])))
        filters["group"] = group_id
    for name in ("kind", "language", "channel"):
        if args.get(name):
            filters[name] = args[name]
    if args.get("day"):
        try:
            filters["day"] = date.fromisoformat(args["day"])
        except ValueError:
            raise ReportError(tr(_l("Write the day as YYYY-MM-DD."))) from None
    return filters
