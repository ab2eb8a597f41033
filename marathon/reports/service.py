"""Totals read from the pre-aggregated tally, by any one or two dimensions.

Every figure on the report pages, the exports, the CLI and the public counter comes from
:func:`totals` or :func:`table` (or :func:`public_totals`), which read ``tally_count`` or its
rollup only (see :mod:`marathon.reports.queries`): the letter table is never scanned, so the cost
depends on the number of distinct combinations, not on letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marathon.cases.models import Case
from marathon.events.models import Event, Group
from marathon.events.service import event_by_code
from marathon.extensions import db
from marathon.i18n import LANGUAGE_NAMES, tr
from marathon.kinds import KIND_NAMES, KINDS
from marathon.reports.queries import DIMENSIONS, ReportError, raw_totals
from marathon.tally.models import CHANNELS
from marathon.tally.service import rollup_totals

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
CHANNEL_LABELS = {"online": _l("Online"), "handwritten": _l("Handwritten")}
MAX_DIMENSIONS = 2


@dataclass(frozen=True, slots=True)
class Row:
    """One line of totals: the value of each requested dimension, its label, and the quantity."""

    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    quantity: int

    def as_dict(self, by: tuple[str, ...]) -> dict[str, Any]:
        """The row as a flat mapping: ``<dim>`` (stable value), ``<dim>_label``, ``quantity``."""
        data: dict[str, Any] = {}
        for name, key, label in zip(by, self.keys, self.labels, strict=True):
            data[name] = key.isoformat() if isinstance(key, date) else key
            data[f"{name}_label"] = label
        data["quantity"] = self.quantity
        return data


@dataclass(frozen=True)
class Table:
    """A slice of a breakdown's lines (in the order of :func:`totals`) and what all lines add up
    to: ``count`` lines, ``total`` letters; ``first`` is the position of ``rows[0]`` (from 0)."""

    rows: list[Row]
    count: int
    total: int
    first: int


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
    means every group (a section admin's). ``edition=None`` spans every edition. The rows are
    sorted by the first dimension, then the second (case order, event date, group name...).
    """
    return table(edition, by=by, filters=filters, group_ids=group_ids).rows


def table(
    edition: int | None,
    *,
    by: tuple[str, ...] = (),
    filters: dict[str, Any] | None = None,
    group_ids: list[int] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Table:
    """Lines ``offset`` to ``offset + limit`` of :func:`totals` (all with ``limit=None``), with
    the count and the total of every line: only the lines returned are labelled. An offset past
    the end gives the last ``limit`` lines (a page that no longer exists shows the last one)."""
    by = check_dimensions(by)
    raw = raw_totals(edition, by, filters, group_ids)
    total = sum(int(record[-1] or 0) for record in raw)
    if not by:
        return Table(rows=[Row(keys=(), labels=(), quantity=total)], count=1, total=total, first=0)
    described = [_describe(name, {record[i] for record in raw}) for i, name in enumerate(by)]
    ordered = sorted(raw, key=_order(described))
    end = None
    if limit is not None:
        offset = max(0, min(offset, (len(ordered) - 1) // limit * limit))
        end = offset + limit
    rows = []
    for record in ordered[offset:end]:
        parts = [labels[value] for labels, value in zip(described, record[:-1], strict=True)]
        rows.append(
            Row(
                keys=tuple(part[0] for part in parts),
                labels=tuple(part[1] for part in parts),
                quantity=int(record[-1] or 0),
            )
        )
    return Table(rows=rows, count=len(ordered), total=total, first=offset)


def _order(described: list[dict[Any, tuple]]) -> Any:
    """A sort key for raw rows: each value's rank in its dimension's order (a cheap int)."""
    ranks = []
    for labels in described:
        # The stable key breaks ties (two events starting together with the same title).
        ordered = sorted(
            labels, key=lambda value, labels=labels: (labels[value][2], labels[value][0])
        )
        ranks.append({value: rank for rank, value in enumerate(ordered)})
    if len(ranks) == 1:
        return lambda record: ranks[0][record[0]]
    return lambda record: (ranks[0][record[0]], ranks[1][record[1]])


def grand_total(rows: list[Row]) -> int:
    """The sum of a list of rows (the table's totals row)."""
    return sum(row.quantity for row in rows)


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
        order = {kind: i for i, kind in enumerate(KIND_NAMES)}
        return {
            v: (v, tr(KINDS[v].label) if v in KINDS else v, (order.get(v, 99), v)) for v in values
        }
    if name == "channel":
        order = {channel: i for i, channel in enumerate(CHANNELS)}
        return {v: (v, tr(CHANNEL_LABELS.get(v, v)), (order.get(v, 99), v)) for v in values}
    if name == "language":
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
        event = event_by_code(args["event"])
        if event is None:
            raise ReportError(tr(_l("No event with the code %(code)s.", code=args["event"])))
        filters["event"] = event.id
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
