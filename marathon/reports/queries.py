"""The SQL behind every total: the per-dimension rollup, or a GROUP BY on ``tally_count``.

On SQLite, a GROUP BY whose columns do not follow an index sorts every counter of the edition
first: 180,000 at a million letters, 100-300 ms. The covering indexes of ``REPORT_INDEXES`` keep
the counters in two orders, and a crossing is read in one of them without that sort:

* partial sums: when a short prefix of an index holds both dimensions, the counters are summed by
  that prefix while the index is read in order, and only those sums (hundreds to a few thousand)
  are regrouped;
* a pivot: when one dimension leads an index (case, event) and the other has a handful of values
  (kind, channel, language), one pass in that order sums each value in a column of its own.

PostgreSQL hashes a GROUP BY in one pass over the table, faster than either: it gets the plain
query.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from marathon.extensions import db
from marathon.i18n import tr
from marathon.tally.models import (
    DIMENSION_COLUMNS,
    REPORT_INDEXES,
    ROLLUP_DIMENSIONS,
    TallyCount,
    TallyRollup,
)

# Dimension name -> tally column. The order is the order of the "by" selector.
DIMENSIONS: dict[str, Any] = DIMENSION_COLUMNS


# Distinct values a column typically adds to an index prefix in an edition (20 cases, 500 events
# of 50 groups over 31 days, ...): an event fixes its group and nearly its day. Only used to rank
# the ways of reading a crossing, so rough is enough.
TYPICAL_VALUES = {
    "case_id": 20,
    "event_id": 500,
    "group_id": 50,
    "day": 31,
    "channel": 2,
    "kind": 3,
    "language": 6,
}
AFTER_EVENT = {"group_id": 1, "day": 2}
# Regrouping costs about 2 us a partial sum, a pivot about a tenth of a sort a value: past this
# many partial sums, a pivot wins when there is one.
MAX_PARTIAL_SUMS = 50_000
# Dimensions with a handful of values, which a pivot turns into columns (beyond ten values, the
# sort wins).
FEW_VALUES = ("kind", "channel", "language")
MAX_PIVOT_VALUES = 10


class ReportError(ValueError):
    """A request for totals that cannot be answered as asked (the message says why)."""


def raw_totals(
    edition: int | None,
    by: tuple[str, ...],
    filters: dict[str, Any] | None = None,
    group_ids: list[int] | None = None,
) -> list[tuple[Any, ...]]:
    """``(value of each dimension of by..., quantity)`` rows, unordered, typed like the tally's.

    ``by`` must already be checked (known names, at most two, no repeats).
    """
    active = {name: value for name, value in (filters or {}).items() if value not in (None, "")}
    unknown = [name for name in active if name not in DIMENSIONS]
    if unknown:
        raise ReportError(tr(_l("Unknown filter %(name)s.", name=unknown[0])))
    if not active and group_ids is None and _rollup_answers(by):
        return _rollup_rows(edition, by)
    conditions = [DIMENSIONS[name] == value for name, value in active.items()]
    if edition is not None:
        conditions.append(TallyCount.edition == edition)
    if group_ids is not None:
        conditions.append(TallyCount.group_id.in_(group_ids or [-1]))
    in_index_order = db.session.get_bind().dialect.name == "sqlite"
    if in_index_order and (plan := pivot_plan(by)) is not None:
        pivoted = _pivoted(edition, by, plan, conditions)
        if pivoted is not None:
            return pivoted
    return list(db.session.execute(_tally_statement(by, conditions, in_index_order)).all())


def _tally_statement(by: tuple[str, ...], conditions: list[Any], in_index_order: bool) -> Select:
    """One GROUP BY on the counters, or partial sums in the order of an index, regrouped."""
    columns = [DIMENSIONS[name] for name in by]
    prefix = None
    if in_index_order:
        prefix = index_prefix({column.key for column in columns} - {"edition"})
    if prefix:
        # Edition leads every report index: grouping by it too keeps the index order usable
        # when the totals span every edition.
        keys = [TallyCount.edition, *(getattr(TallyCount, name) for name in prefix)]
        partial = (
            select(*keys, func.sum(TallyCount.quantity).label("quantity"))
            .where(*conditions)
            .group_by(*keys)
            .subquery()
        )
        regrouped = [partial.c[column.key].label(f"d{i}") for i, column in enumerate(columns)]
        return select(*regrouped, func.sum(partial.c.quantity)).group_by(*regrouped)
    grouped = [column.label(f"d{i}") for i, column in enumerate(columns)]
    statement = select(*grouped, func.sum(TallyCount.quantity)).where(*conditions)
    return statement.group_by(*grouped) if grouped else statement


def index_prefix(columns: set[str]) -> tuple[str, ...] | None:
    """The prefix of a report index (after edition) holding every one of ``columns`` with the
    fewest partial sums expected.

    None when there is nothing to group by, or when it would be a whole index: then there would
    be as many partial sums as counters, and one sort of the counters costs less.
    """
    short = []
    for order in REPORT_INDEXES.values() if columns else ():
        prefix = order[: max(order.index(column) for column in columns) + 1]
        if prefix != order:
            short.append(prefix)
    return min(short, key=partial_sums, default=None)


def partial_sums(prefix: tuple[str, ...]) -> int:
    """About how many partial sums grouping by ``prefix`` makes (see ``TYPICAL_VALUES``)."""
    count, after_event = 1, False
    for column in prefix:
        fixed = after_event and column in AFTER_EVENT
        count *= AFTER_EVENT[column] if fixed else TYPICAL_VALUES[column]
        after_event = after_event or column == "event_id"
    return count


def pivot_plan(by: tuple[str, ...]) -> tuple[str, str] | None:
    """``(leading dimension, dimension spread in columns)`` when a pivot beats partial sums: the
    first leads a report index (case, event), the second has a handful of values."""
    columns = {DIMENSIONS[name].key for name in by} - {"edition"}
    prefix = index_prefix(columns)
    if len(columns) != 2 or (prefix is not None and partial_sums(prefix) <= MAX_PARTIAL_SUMS):
        return None
    leading = {order[0] for order in REPORT_INDEXES.values()}
    for lead, spread in (by, by[::-1]):
        if spread in FEW_VALUES and DIMENSIONS[lead].key in leading:
            return lead, spread
    return None


def _pivoted(
    edition: int | None, by: tuple[str, ...], plan: tuple[str, str], conditions: list[Any]
) -> list[tuple[Any, ...]] | None:
    """The crossing in one pass in the order of the leading dimension's index, a sum per value
    of the other; None when its values are too many or not all known to the rollup."""
    lead, spread = plan
    known = select(TallyRollup.key).where(TallyRollup.dimension == spread).distinct()
    if edition is not None:
        known = known.where(TallyRollup.edition == edition)
    values = sorted(db.session.scalars(known))
    if not values or len(values) > MAX_PIVOT_VALUES:
        return None
    quantity, column = TallyCount.quantity, DIMENSIONS[spread]
    statement = (
        select(
            DIMENSIONS[lead],
            *(func.sum(quantity).filter(column == value) for value in values),
            func.sum(quantity),
        )
        .where(*conditions)
        .group_by(TallyCount.edition, DIMENSIONS[lead])
    )
    sums: dict[tuple[Any, ...], int] = {}
    for record in db.session.execute(statement):
        parts = record[1:-1]
        if sum(part or 0 for part in parts) != record[-1]:
            return None  # a value the rollup lacks (a bulk load without rebuild_rollup)
        for value, part in zip(values, parts, strict=True):
            if part is not None:  # NULL: no counter with this value, unlike a sum of 0
                key = (record[0], value) if by[0] == lead else (value, record[0])
                sums[key] = sums.get(key, 0) + part
    return [(*key, total) for key, total in sums.items()]


def _rollup_answers(by: tuple[str, ...]) -> bool:
    """Whether the per-dimension rollup holds this breakdown (at most one dimension besides
    the edition, counted over the whole section: no filter, no group restriction)."""
    others = [name for name in by if name != "edition"]
    return len(others) <= 1 and all(name in ROLLUP_DIMENSIONS for name in others)


def _rollup_rows(edition: int | None, by: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The rollup's rows shaped like the GROUP BY's: values in the order of ``by``, quantity."""
    others = [name for name in by if name != "edition"]
    dimension = others[0] if others else "all"
    statement = select(TallyRollup.edition, TallyRollup.key, TallyRollup.quantity).where(
        TallyRollup.dimension == dimension
    )
    if edition is not None:
        statement = statement.where(TallyRollup.edition == edition)
    sums: dict[tuple[Any, ...], int] = {}
    for row_edition, key, quantity in db.session.execute(statement):
        values = {"edition": row_edition, dimension: _typed(dimension, key)}
        group = tuple(values[name] for name in by)
        sums[group] = sums.get(group, 0) + int(quantity or 0)
    if not by:
        return [(sums.get((), 0),)]
    return [(*group, quantity) for group, quantity in sums.items()]


def _typed(dimension: str, key: str) -> Any:
    """A rollup key (text) as the tally column holds it: ids as int, days as date."""
    if dimension in ("case", "event", "group"):
        return int(key)
    if dimension == "day":
        return date.fromisoformat(key)
    return key
