"""Benchmark: report latency at 1,000,000 letters beside the same figures at 1,000.

    .venv/bin/python bench/reports.py [--letters N] [--hand-counts M] [--runs R]
                                      [--databases sqlite,postgresql] [--json]

For each database (SQLite in a temporary directory; PostgreSQL in a scratch database
``marathon_bench_reports_<pid>`` created and dropped as user postgres on 127.0.0.1:5432) and for
each size (1,000 letters, then N), it fills 20 cases, 50 groups, 500 events over the 31 days of
December, the Letter rows (bulk: executemany on SQLite, COPY on PostgreSQL), the hand counts, and
the matching tally rows computed by aggregation of the same generated data. Then it times, through
the Flask test client logged in as a section admin, the median of R runs (after one warm-up) of:
the totals page (``/reports``: overall total and the three charts), every crossing of two
dimensions (``/reports?by=A&by=B``: the page with its table, whose first 500 lines it shows; the
other lines are on further pages and all of them in the downloads), the last page of the largest
crossing (case × event: 10,020 lines at a million letters), its CSV export with every line, and
the public counter (``/api/v1/public/totals``).

Targets (issue 5): totals page and public counter < 50 ms and no more than 2x their time at 1,000
letters; any crossing < 300 ms; CSV export < 5 s.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
EDITION = 2025
CASES, GROUPS, EVENTS, DAYS = 20, 50, 500, 31
KINDS = ("appeal", "card", "postcard")
LANGUAGES = ("fr", "en", "es", "nl", "de")
DIMENSIONS = ("case", "kind", "language", "channel", "event", "group", "day", "edition")
PASSWORD = "bench password 123"


def generate(letters: int, hand_counts: int, seed: int = 5):
    """Letter rows, hand-count rows and the tally rows that aggregate both."""
    rng = random.Random(seed)
    event_day = {e: date(EDITION, 12, 1 + (e - 1) % DAYS) for e in range(1, EVENTS + 1)}
    event_group = {e: 1 + (e - 1) % GROUPS for e in range(1, EVENTS + 1)}
    tally: Counter = Counter()
    letter_rows = []
    for i in range(1, letters + 1):
        case = rng.randint(1, CASES)
        kind = KINDS[rng.randrange(3)]
        language = LANGUAGES[rng.randrange(5)]
        if rng.random() < 0.6:
            event = rng.randint(1, EVENTS)
            group, day = event_group[event], event_day[event]
        else:
            event, group, day = 0, 0, date(EDITION, 12, rng.randint(1, DAYS))
        created = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(30000)
        )
        letter_rows.append(
            (
                f"B{i:09d}",
                f"bench-{i}",
                f"tok{i}",
                case,
                kind,
                language,
                "a4",
                event or None,
                group or None,
                "written",
                False,
                created,
            )
        )
        tally[(case, kind, language, "online", event, group, day)] += 1
    hand_rows = []
    for _ in range(hand_counts):
        event = rng.randint(1, EVENTS)
        case, kind, quantity = rng.randint(1, CASES), KINDS[rng.randrange(3)], rng.randint(1, 20)
        day = event_day[event]
        counted = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
        hand_rows.append((case, event, event_group[event], kind, None, quantity, counted, counted))
        tally[(case, kind, "", "handwritten", event, event_group[event], day)] += quantity
    tally_rows = [(EDITION, *key, quantity) for key, quantity in tally.items()]
    return letter_rows, hand_rows, tally_rows, event_day, event_group


LETTER_COLUMNS = (
    "code",
    "idempotency_key",
    "private_token",
    "case_id",
    "kind",
    "language",
    "paper",
    "event_id",
    "group_id",
    "status",
    "share_first_name",
    "created_at",
)
HAND_COLUMNS = (
    "case_id",
    "event_id",
    "group_id",
    "kind",
    "language",
    "quantity",
    "counted_on",
    "created_at",
)
TALLY_COLUMNS = (
    "edition",
    "case_id",
    "kind",
    "language",
    "channel",
    "event_id",
    "group_id",
    "day",
    "quantity",
)


def seed_reference(app, event_day, event_group) -> None:
    """Cases, groups, events and an admin, through the models."""
    from marathon.accounts.service import create_user
    from marathon.cases.models import Case
    from marathon.events.models import Event
    from marathon.extensions import db
    from marathon.groups.models import Group

    for i in range(1, CASES + 1):
        db.session.add(
            Case(
                id=i,
                edition=EDITION,
                slug=f"case-{i:02d}",
                position=i,
                person=f"Person {i}",
                country="FR",
                themes=[],
                kinds=list(KINDS),
                texts={"fr": {"title": f"Person {i}"}},
            )
        )
    for g in range(1, GROUPS + 1):
        db.session.add(Group(id=g, name=f"Group {g:02d}", town="Town"))
    db.session.flush()
    for e in range(1, EVENTS + 1):
        start = datetime.combine(event_day[e], datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        db.session.add(
            Event(
                id=e,
                group_id=event_group[e],
                edition=EDITION,
                title=f"Event {e}",
                starts_at=start,
                ends_at=start + timedelta(hours=8),
                join_code=f"E{e:05d}",
            )
        )
    db.session.commit()
    create_user(email="admin@bench.example", name="Admin", password=PASSWORD, role="admin")


def bulk_sqlite(path: str, letters, hands, tallies) -> None:
    connection = sqlite3.connect(path)
    connection.execute("BEGIN")
    for table, columns, rows in (
        ("letter", LETTER_COLUMNS, letters),
        ("hand_count", HAND_COLUMNS, hands),
        ("tally_count", TALLY_COLUMNS, tallies),
    ):
        marks = ", ".join("?" * len(columns))
        convert = [
            tuple(
                v.strftime("%Y-%m-%d %H:%M:%S.%f")
                if isinstance(v, datetime)
                else v.isoformat()
                if isinstance(v, date)
                else v
                for v in row
            )
            for row in rows
        ]
        connection.executemany(
            f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', convert
        )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def bulk_postgres(url: str, letters, hands, tallies) -> None:
    import psycopg

    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for table, columns, rows in (
            ("letter", LETTER_COLUMNS, letters),
            ("hand_count", HAND_COLUMNS, hands),
            ("tally_count", TALLY_COLUMNS, tallies),
        ):
            with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        for table in ("letter", "hand_count", "tally_count", "case", "event", "group"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT coalesce(max(id), 1) FROM "{table}"))'
            )
        connection.commit()
        connection.autocommit = True
        cursor.execute("VACUUM ANALYZE")


def timed(client, path: str, runs: int) -> tuple[float, int]:
    """Median milliseconds of ``runs`` GETs (after one warm-up) and the response size."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.data[:300])
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), len(response.data)


def measure(database: str, letters: int, hand_counts: int, runs: int) -> dict:
    """Fill one scratch database with ``letters`` letters and time the report routes."""
    from marathon import create_app
    from marathon.extensions import db
    from marathon.tally.service import rebuild_rollup

    temp = tempfile.TemporaryDirectory(prefix="marathon-bench-reports-")
    pg_name = f"marathon_bench_reports_{os.getpid()}"
    if database == "sqlite":
        url = f"sqlite:///{temp.name}/bench.sqlite3"
    else:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{pg_name}"')
        url = f"postgresql://postgres@127.0.0.1:5432/{pg_name}"
    try:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "DATABASE_URL": url,
                "EDITION": EDITION,
                "INSTANCE_PATH": temp.name,
                "STORAGE_DIR": f"{temp.name}/storage",
                "WTF_CSRF_ENABLED": False,
                "LOGIN_RATE_LIMIT": "1000/60",
            }
        )
        started = time.perf_counter()
        letter_rows, hand_rows, tally_rows, event_day, event_group = generate(letters, hand_counts)
        with app.app_context():
            db.create_all()
            seed_reference(app, event_day, event_group)
            db.session.remove()
            db.engine.dispose()
        if database == "sqlite":
            bulk_sqlite(f"{temp.name}/bench.sqlite3", letter_rows, hand_rows, tally_rows)
        else:
            bulk_postgres(url, letter_rows, hand_rows, tally_rows)
        with app.app_context():
            # The writers keep the per-dimension rollup; a bulk load recomputes it once.
            rebuild_rollup()
            db.session.remove()
            db.engine.dispose()
        fill_seconds = time.perf_counter() - started
        expected = letters + sum(row[5] for row in hand_rows)
        del letter_rows, hand_rows
        client = app.test_client()
        login = client.post("/login", data={"email": "admin@bench.example", "password": PASSWORD})
        assert login.status_code == 302, login.data[:300]
        figures: dict = {
            "letters": letters,
            "hand_counts": hand_counts,
            "tally_rows": len(tally_rows),
            "fill_s": round(fill_seconds, 1),
        }
        public = client.get(f"/api/v1/public/totals?edition={EDITION}").get_json()
        assert public["total"] == expected, (public["total"], expected)  # exact, or no figures
        figures["totals_page_ms"], _ = timed(client, "/reports", runs)
        figures["public_counter_ms"], _ = timed(
            client, f"/api/v1/public/totals?edition={EDITION}", runs
        )
        crossings = {}
        for a, b in itertools.combinations(DIMENSIONS, 2):
            ms, _ = timed(client, f"/reports?by={a}&by={b}", max(3, runs // 2))
            crossings[f"{a}x{b}"] = round(ms, 1)
        # Past the last page shows the last one: the deepest page costs the same as the first.
        ms, _ = timed(client, "/reports?by=case&by=event&page=9999", max(3, runs // 2))
        crossings["casexevent last page"] = round(ms, 1)
        figures["crossings_ms"] = crossings
        figures["csv_case_x_event_ms"], size = timed(
            client, "/reports/export.csv?by=case&by=event", max(3, runs // 2)
        )
        figures["csv_bytes"] = size
        for key in ("totals_page_ms", "public_counter_ms", "csv_case_x_event_ms"):
            figures[key] = round(figures[key], 1)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return figures
    finally:
        if database == "postgresql":
            import psycopg

            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        temp.cleanup()


def verdict(small: dict, big: dict) -> dict:
    """Each target, met or not."""
    worst = max(big["crossings_ms"].values())
    return {
        "totals_under_50ms": big["totals_page_ms"] < 50,
        "totals_at_most_2x": big["totals_page_ms"] <= 2 * max(small["totals_page_ms"], 1),
        "counter_under_50ms": big["public_counter_ms"] < 50,
        "counter_at_most_2x": big["public_counter_ms"] <= 2 * max(small["public_counter_ms"], 1),
        "crossings_under_300ms": worst < 300,
        "csv_under_5s": big["csv_case_x_event_ms"] < 5000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1_000_000)
    parser.add_argument("--hand-counts", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    results: dict = {}
    for database in [name.strip() for name in options.databases.split(",") if name.strip()]:
        small = measure(database, 1000, 50, options.runs)
        big = measure(database, options.letters, options.hand_counts, options.runs)
        results[database] = {"small": small, "large": big, "targets": verdict(small, big)}
        if not options.json:
            print_table(database, small, big, results[database]["targets"])
    if options.json:
        print(json.dumps(results, indent=2))


def print_table(database: str, small: dict, big: dict, targets: dict) -> None:
    out = io.StringIO()
    out.write(
        f"\n== {database}: {small['letters']:,} vs {big['letters']:,} letters "
        f"({big['hand_counts']:,} hand counts, {big['tally_rows']:,} tally rows, "
        f"filled in {big['fill_s']} s)\n"
    )
    out.write(f"{'measure (median ms)':34} {'small':>10} {'large':>10}\n")
    for key in ("totals_page_ms", "public_counter_ms", "csv_case_x_event_ms"):
        out.write(f"{key:34} {small[key]:>10.1f} {big[key]:>10.1f}\n")
    for key, value in big["crossings_ms"].items():
        out.write(f"{'crossing ' + key:34} {small['crossings_ms'][key]:>10.1f} {value:>10.1f}\n")
    out.write("targets: " + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in targets.items()))
    print(out.getvalue())


if __name__ == "__main__":
    main()
