"""Every crossing is exact whatever its query shape; long tables are paged, exports keep all."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import date
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marathon.extensions import db
from marathon.reports import queries, service, views
from marathon.tally.models import REPORT_INDEXES, TallyCount
from marathon.tally.service import add_to_tally
from tests.factories import BREST, EDITION, LYON, count_online, make_world

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False, EDITION=EDITION)


@pytest.fixture
def world(app):
    """The shared world (22 letters), plus 30 over more languages and days, and 6 in 2024."""
    made = make_world(app, LYON, BREST, counts=True)
    with app.app_context():
        lyon = SimpleNamespace(id=made.event_id, group_id=made.group_id)
        brest = SimpleNamespace(id=made.other_event_id, group_id=made.other_group_id)
        for i, (kind, language) in enumerate(itertools.product(("appeal", "card"), ("fr", "de"))):
            count_online(made.case_b, kind, language, date(EDITION, 12, 1 + i), i + 1, lyon)
            count_online(made.case_a, kind, language, date(EDITION, 12, 3 + i), 2 * i + 1)
            count_online(made.case_b, kind, "nl", date(EDITION, 12, 12), 1, brest)
        add_to_tally(
            edition=EDITION - 1,
            case_id=made.case_a,
            kind="card",
            language="fr",
            channel="online",
            day=date(EDITION - 1, 12, 9),
            quantity=6,
        )
        db.session.commit()
    return made


def _by_hand(by, edition=EDITION, keep=lambda counter: True):
    """The totals a plain loop over every counter gives (raw tally values, like raw_totals)."""
    sums: dict[tuple, int] = {}
    for counter in db.session.scalars(select(TallyCount)):
        if (edition is None or counter.edition == edition) and keep(counter):
            key = tuple(getattr(counter, queries.DIMENSIONS[name].key) for name in by)
            sums[key] = sums.get(key, 0) + counter.quantity
    return sums


def _as_dict(raw):
    return {tuple(record[:-1]): int(record[-1]) for record in raw}


PAIRS = list(itertools.combinations(queries.DIMENSIONS, 2))


def test_every_crossing_equals_a_plain_sum_of_the_counters(app, world):
    with app.app_context():
        for by in [(), *((name,) for name in queries.DIMENSIONS), *PAIRS]:
            assert _as_dict(queries.raw_totals(EDITION, by)) == _by_hand(by), by
            assert _as_dict(queries.raw_totals(None, by)) == _by_hand(by, None), by


def test_crossings_with_filters_and_groups_equal_a_plain_sum(app, world):
    with app.app_context():
        for by in PAIRS:
            online_only = queries.raw_totals(EDITION, by, filters={"channel": "online"})
            expected = _by_hand(by, keep=lambda counter: counter.channel == "online")
            assert _as_dict(online_only) == expected, by
            lyon = queries.raw_totals(EDITION, by, group_ids=[world.group_id])
            assert _as_dict(lyon) == _by_hand(by, keep=lambda c: c.group_id == world.group_id), by
            event = queries.raw_totals(
                EDITION, by, filters={"event": world.other_event_id, "kind": ""}
            )
            expected = _by_hand(by, keep=lambda counter: counter.event_id == world.other_event_id)
            assert _as_dict(event) == expected, by


def test_edition_crossings_from_the_rollup_match_the_counters(app, world):
    with app.app_context():
        for name in ("case", "day", "event", "kind"):
            for by in (("edition", name), (name, "edition")):
                from_tally = db.session.execute(queries._tally_statement(by, [], True)).all()
                assert _as_dict(queries.raw_totals(None, by)) == _as_dict(from_tally), by
        assert service.grand_total(service.totals(None, by=("edition", "case"))) == 52 + 6
        assert service.totals(None, by=("edition",))[0].quantity == 6


def test_crossings_read_a_prefix_of_a_report_index():
    assert queries.index_prefix({"case_id", "event_id"}) == ("case_id", "event_id")
    assert queries.index_prefix({"event_id", "day"}) == ("event_id", "group_id", "day")
    assert queries.index_prefix({"group_id", "day"}) == ("event_id", "group_id", "day")
    assert queries.index_prefix({"kind", "day"})[0] == "event_id"
    # Case x language is at the end of both orders: one sort beats as many partial sums.
    assert queries.index_prefix({"case_id", "language"}) is None
    assert queries.index_prefix(set()) is None
    for a, b in itertools.combinations(queries.DIMENSIONS, 2):
        columns = {queries.DIMENSIONS[a].key, queries.DIMENSIONS[b].key} - {"edition"}
        prefix = queries.index_prefix(columns)
        assert prefix is None or any(
            order[: len(prefix)] == prefix for order in REPORT_INDEXES.values()
        )


def test_a_pivot_spreads_kind_channel_or_language_along_case_or_event():
    assert queries.pivot_plan(("case", "kind")) == ("case", "kind")
    assert queries.pivot_plan(("language", "case")) == ("case", "language")
    assert queries.pivot_plan(("event", "language")) is None  # partial sums by event: few
    assert queries.pivot_plan(("case", "event")) is None  # few partial sums already
    assert queries.pivot_plan(("event", "channel")) is None
    assert queries.pivot_plan(("kind", "language")) is None  # neither leads an index
    assert queries.pivot_plan(("edition", "kind")) is None


def test_values_the_rollup_lacks_or_too_many_values_are_still_counted(app, world, monkeypatch):
    with app.app_context():
        # Written past the rollup, as a bulk load that forgot rebuild_rollup would.
        db.session.add(
            TallyCount(
                edition=EDITION,
                case_id=world.case_a,
                kind="letter",
                language="pt",
                channel="online",
                event_id=0,
                group_id=0,
                day=date(EDITION, 12, 20),
                quantity=3,
            )
        )
        db.session.commit()
        for by in (("case", "kind"), ("language", "case"), ("event", "kind")):
            assert _as_dict(queries.raw_totals(EDITION, by)) == _by_hand(by), by
        monkeypatch.setattr(queries, "MAX_PIVOT_VALUES", 1)
        assert _as_dict(queries.raw_totals(None, ("case", "channel"))) == _by_hand(
            ("case", "channel"), None
        )


def test_a_table_slice_is_a_slice_of_the_totals(app, world):
    with app.app_context():
        every = service.totals(EDITION, by=("case", "event"))
        assert len(every) > 4
        part = service.table(EDITION, by=("case", "event"), offset=2, limit=2)
        assert part.rows == every[2:4]
        assert (part.count, part.total, part.first) == (len(every), 52, 2)
        last = service.table(EDITION, by=("case", "event"), offset=500, limit=2)
        assert last.first == (len(every) - 1) // 2 * 2
        assert last.rows == every[last.first :]


def _page_lines(html: str) -> list[tuple[str, ...]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        tuple(unescape(cell.strip()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_a_long_crossing_is_paged_and_the_exports_keep_every_line(client, world, monkeypatch, auth):
    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    auth.login("admin@example.org")
    raw = client.get("/reports/export.csv?by=case&by=event").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(raw)))
    exported = [(line[1], line[3], line[4]) for line in lines[1:-1]]
    assert lines[-1] == ["TOTAL", "", "", "", "52"]
    assert len(exported) == 5

    shown, texts = [], []
    while not texts or 'rel="next"' in texts[-1]:
        texts.append(client.get(f"/reports?by=case&by=event&page={len(texts) + 1}").get_data(True))
        shown += _page_lines(texts[-1])
    assert len(texts) == 3
    assert shown == exported  # the same lines, numbers and order as the download
    first, last = texts[0], texts[-1]
    assert "Lines 1 to 2 of 5." in first and "every line, in the same order" in first
    assert 'rel="prev"' not in first
    assert "by=case&amp;by=event&amp;page=2#breakdown" in first
    assert "Total of all 5 lines" in first and ">52<" in first
    assert "Lines 5 to 5 of 5." in last and 'rel="prev"' in last
    # The download links keep the breakdown and drop the page.
    assert 'href="/reports/export.csv?by=case&amp;by=event"' in last

    beyond = client.get("/reports?by=case&by=event&page=99").get_data(as_text=True)
    assert _page_lines(beyond) == exported[4:]
    garbled = client.get("/reports?by=case&by=event&page=x").get_data(as_text=True)
    assert _page_lines(garbled) == exported[:2]


def test_a_short_crossing_has_no_pages(client, world, auth):
    auth.login("admin@example.org")
    text = client.get("/reports?by=case&by=kind").get_data(as_text=True)
    assert "Lines " not in text and 'rel="next"' not in text
    assert "Total of all" not in text and ">52<" in text
