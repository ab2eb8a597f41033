"""Benchmark: counting under load, as in production (gunicorn, several processes).

    .venv/bin/python bench/tally.py [--quick] [--json] [--databases sqlite,postgresql]
                                    [--workers 4] [--clients 10,50,100] [--board-letters 100000]

For each database (SQLite in a temporary folder; PostgreSQL in a scratch database
``marathon_bench_<pid>`` on 127.0.0.1:5432, dropped at the end) it starts gunicorn with several
sync workers, loads the cases and creates an event, then for N concurrent clients:

- the trivial endpoint ``GET /healthz``: requests per second (the server's ceiling);
- submissions ``POST /api/v1/letters`` (a new Idempotency-Key each, one in ten re-sent):
  submissions per second, p50/p95 latency, and lost/doubled letters checked against the tally;

then bulk-inserts ``--board-letters`` letters (and their tally rows) with SQL and measures the
board's update request ``GET /events/<code>/board.json`` with and without If-None-Match.
Background jobs (PDF rendering) go to a throw-away RQ queue on Redis db 15, as in production where
separate workers render: the web tier only counts.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_ADMIN_URL = os.environ.get(
    "MARATHON_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MARATHON_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    """One request on a fresh connection (gunicorn's sync workers close after each answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


# -- set-up ----------------------------------------------------------------------------------


def prepare(database: str, workdir: Path) -> tuple[str, str | None]:
    """Create the database and its schema; returns (url, scratch PostgreSQL name or None)."""
    scratch = None
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        import psycopg

        scratch = f"marathon_bench_{os.getpid()}"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{scratch}"')
        url = POSTGRES_ADMIN_URL.rpartition("/")[0] + f"/{scratch}"
    return url, scratch


def drop_scratch(scratch: str | None) -> None:
    if scratch:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def make_app(url: str, instance: Path):
    from marathon import create_app

    return create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"})


def seed(app) -> dict:
    """Tables, cases, a group and an open event."""
    from marathon.cases.service import load_cases
    from marathon.events import service
    from marathon.extensions import db

    with app.app_context():
        db.create_all()
        load_cases()
        group = service.create_group(name="Bench group", town="Lyon")
        now = datetime.now(UTC)
        event = service.create_event(
            group_id=group.id,
            title="Bench marathon",
            place="Hall",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=6),
            goal=1000,
        )
        from marathon.cases.models import Case

        slugs = [
            case.slug
            for case in db.session.scalars(db.select(Case).order_by(Case.id))
            if "appeal" in case.kinds and "fr" in case.texts
        ]
        return {"event_id": event.id, "group_id": group.id, "code": event.join_code, "slugs": slugs}


def start_server(
    url: str, instance: Path, workers: int, queue: str, threads: int = 1
) -> tuple[subprocess.Popen, int]:
    (instance / "config.py").write_text(
        f"REDIS_URL = {REDIS_URL!r}\nJOBS_QUEUE = {queue!r}\nAPI_WRITE_RATE_LIMIT = 10_000_000\n"
    )
    port = free_port()
    env = {
        **os.environ,
        "MARATHON_DATABASE_URL": url,
        "MARATHON_INSTANCE_PATH": str(instance),
        "MARATHON_STORAGE_DIR": str(instance / "storage"),
        "MARATHON_SECRET_KEY": "bench",
    }
    log = open(instance / "gunicorn.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "marathon:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
        if process.poll() is not None:
            break
    stop_server(process)
    raise SystemExit((instance / "gunicorn.log").read_text()[-3000:])


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- load ------------------------------------------------------------------------------------


def run_clients(clients: int, per_client: int, job) -> tuple[float, list[float], list[str]]:
    """``clients`` threads each calling ``job(client, n)`` ``per_client`` times, all at once."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def worker(index: int) -> None:
        mine: list[float] = []
        barrier.wait()
        for n in range(per_client):
            began = time.perf_counter()
            try:
                problem = job(index, n)
            except OSError as error:
                problem = repr(error)
            mine.append(time.perf_counter() - began)
            if problem:
                with lock:
                    errors.append(problem)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, latencies, errors


def counted(app, event_id: int) -> tuple[int, int]:
    """(letters, online tally of the event) in the database."""
    from sqlalchemy import func, select

    from marathon.extensions import db
    from marathon.letters.models import Letter
    from marathon.tally.models import TallyCount

    with app.app_context():
        letters = db.session.scalar(
            select(func.count(Letter.id)).where(Letter.event_id == event_id)
        )
        tally = db.session.scalar(
            select(func.coalesce(func.sum(TallyCount.quantity), 0)).where(
                TallyCount.event_id == event_id, TallyCount.channel == "online"
            )
        )
        db.session.remove()
    return int(letters), int(tally)


def server_cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by the gunicorn workers (children of the master)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    for child in children:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def measure_n(app, process, port: int, world: dict, clients: int, total: int) -> dict:
    per_client = max(2, total // clients)
    world["round"] = world.get("round", 0) + 1

    def trivial(_index: int, _n: int) -> str | None:
        status = request(port, "GET", "/healthz")[0]
        return None if status == 200 else f"healthz {status}"

    cpu_before = server_cpu_seconds(process)
    elapsed, latencies, errors = run_clients(clients, per_client, trivial)
    trivial_cpu_ms = (server_cpu_seconds(process) - cpu_before) / len(latencies) * 1000
    trivial_rate = len(latencies) / elapsed
    trivial_p50 = percentile(latencies, 0.5)

    accepted: set[str] = set()
    lock = threading.Lock()

    def submit(index: int, n: int) -> str | None:
        # One submission in ten is a retry of the previous one (same key): counted once.
        base = n - 1 if n % 10 == 9 else n
        key = f"bench-{world['round']}-{clients}-{index}-{base}-{world['run']}"
        payload = {
            "case": world["slugs"][(index + base) % len(world["slugs"])],
            "kind": "appeal",
            "language": "fr",
            "sender_name": f"Writer {index}",
            "sender_town": "Lyon",
            "sender_country": "France",
            "share_first_name": True,
            "event_code": world["code"],
        }
        status, _headers, body = request(
            port,
            "POST",
            "/api/v1/letters",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "Idempotency-Key": key},
        )
        if status in (200, 201):
            with lock:
                accepted.add(key)
            return None
        return f"letters {status} {body[:120]!r}"

    before = counted(app, world["event_id"])
    cpu_before = server_cpu_seconds(process)
    elapsed, latencies, submit_errors = run_clients(clients, per_client, submit)
    submit_cpu_ms = (server_cpu_seconds(process) - cpu_before) / len(latencies) * 1000
    after = counted(app, world["event_id"])
    added_letters, added_tally = after[0] - before[0], after[1] - before[1]
    return {
        "clients": clients,
        "trivial_per_s": round(trivial_rate, 1),
        "trivial_p50_ms": round(trivial_p50 * 1000, 1),
        "trivial_server_cpu_ms": round(trivial_cpu_ms, 2),
        "submission_server_cpu_ms": round(submit_cpu_ms, 2),
        "submissions": len(latencies),
        "submissions_per_s": round(len(latencies) / elapsed, 1),
        "ratio_to_trivial": round(len(latencies) / elapsed / trivial_rate, 2),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "distinct": len(accepted),
        "lost": max(0, len(accepted) - min(added_letters, added_tally)),
        "doubled": max(0, max(added_letters, added_tally) - len(accepted)),
        "errors": len(errors) + len(submit_errors),
        "error_sample": (errors + submit_errors)[:2],
    }


def bulk_letters(app, world: dict, count: int) -> float:
    """Insert ``count`` letters (half for the event) and their tally rows, in one SQL statement."""
    from sqlalchemy import DateTime, bindparam, select, text

    from marathon.cases.models import Case
    from marathon.database import begin_write
    from marathon.events.clock import today_local
    from marathon.extensions import db
    from marathon.tally.service import add_to_tally

    began = time.perf_counter()
    with app.app_context():
        cases = list(db.session.execute(select(Case.id, Case.edition).order_by(Case.id)))
        pick = " ".join(f"WHEN {i} THEN {case_id}" for i, (case_id, _e) in enumerate(cases))
        postgres = db.engine.dialect.name == "postgresql"
        series = (
            "generate_series(1, :count) AS s(g)"
            if postgres
            else "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
            "WHERE g < :count) SELECT g FROM s) AS s"
        )
        token = "md5(g::text || :run)" if postgres else "lower(hex(randomblob(16)))"
        statement = text(
            "INSERT INTO letter (code, idempotency_key, private_token, case_id, kind, language,"
            " paper, event_id, group_id, sender_name, share_first_name, display_name, status,"
            " created_at) "
            f"SELECT 'B' || g, 'bulk:' || :run || ':' || g, {token},"
            f" CASE g % {len(cases)} {pick} END, 'appeal', 'fr', 'a4',"
            " CASE WHEN g % 2 = 0 THEN :event END, CASE WHEN g % 2 = 0 THEN :grp END,"
            " 'Bulk Writer', true, 'Bulk', 'written', :now "
            f"FROM {series}"
        ).bindparams(bindparam("now", type_=DateTime(timezone=True)))
        begin_write()
        db.session.execute(
            statement,
            {
                "count": count,
                "run": world["run"],
                "event": world["event_id"],
                "grp": world["group_id"],
                "now": datetime.now(UTC),
            },
        )
        tally: dict[tuple, int] = {}
        for g in range(1, count + 1):
            case_id, edition = cases[g % len(cases)]
            key = (edition, case_id, world["event_id"] if g % 2 == 0 else None)
            tally[key] = tally.get(key, 0) + 1
        for (edition, case_id, event_id), quantity in tally.items():
            add_to_tally(
                edition=edition,
                case_id=case_id,
                kind="appeal",
                language="fr",
                channel="online",
                day=today_local(),
                quantity=quantity,
                event_id=event_id,
                group_id=world["group_id"] if event_id else None,
            )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()
    return time.perf_counter() - began


def measure_board(port: int, code: str, samples: int) -> dict:
    path = f"/events/{code}/board.json"
    full, conditional = [], []
    status, headers, body = request(port, "GET", path)
    etag = headers.get("ETag")
    total = json.loads(body)["total"]
    for _ in range(samples):
        began = time.perf_counter()
        request(port, "GET", path)
        full.append(time.perf_counter() - began)
        began = time.perf_counter()
        status, _h, _b = request(port, "GET", path, headers={"If-None-Match": etag})
        conditional.append(time.perf_counter() - began)
        assert status == 304, status
    return {
        "board_total": total,
        "full_p50_ms": round(percentile(full, 0.5) * 1000, 1),
        "full_p95_ms": round(percentile(full, 0.95) * 1000, 1),
        "not_modified_p50_ms": round(percentile(conditional, 0.5) * 1000, 1),
        "not_modified_p95_ms": round(percentile(conditional, 0.95) * 1000, 1),
    }


def bench_database(database: str, args: argparse.Namespace) -> dict:
    from redis import Redis
    from rq import Queue

    workdir = Path(tempfile.mkdtemp(prefix=f"marathon-bench-tally-{database}-"))
    instance = workdir / "instance"
    instance.mkdir()
    url, scratch = prepare(database, workdir)
    queue = f"marathon-bench-{uuid.uuid4().hex[:8]}"
    process = None
    try:
        app = make_app(url, instance)
        world = seed(app)
        world["run"] = uuid.uuid4().hex[:6]
        process, port = start_server(url, instance, args.workers, queue, args.threads)
        # Warm-up, not measured: each worker's first requests load modules, connect, fill caches.
        measure_n(app, process, port, world, args.workers, 10 * args.workers)
        rows = [measure_n(app, process, port, world, n, args.requests) for n in args.clients]
        bulk_seconds = bulk_letters(app, world, args.board_letters)
        board = measure_board(port, world["code"], args.board_samples)
        board["letters_in_database"] = args.board_letters + sum(r["distinct"] for r in rows)
        board["bulk_insert_s"] = round(bulk_seconds, 1)
        return {"database": database, "workers": args.workers, "load": rows, "board": board}
    finally:
        if process is not None:
            stop_server(process)
        Queue(queue, connection=Redis.from_url(REDIS_URL)).delete(delete_jobs=True)
        drop_scratch(scratch)


def print_table(results: list[dict]) -> None:
    for result in results:
        print(f"\n== {result['database']} (gunicorn, {result['workers']} sync workers) ==")
        print(
            f"{'N':>4} {'healthz/s':>10} {'subm/s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8}"
            f" {'cpu ms h/s':>11} {'sent':>6} {'lost':>5} {'doubled':>8} {'errors':>7}"
        )
        for row in result["load"]:
            cpu = f"{row['trivial_server_cpu_ms']:.2f}/{row['submission_server_cpu_ms']:.2f}"
            print(
                f"{row['clients']:>4} {row['trivial_per_s']:>10} {row['submissions_per_s']:>8}"
                f" {row['ratio_to_trivial']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8}"
                f" {cpu:>11} {row['distinct']:>6} {row['lost']:>5} {row['doubled']:>8}"
                f" {row['errors']:>7}"
            )
        print("cpu ms h/s: the workers' CPU time per request, healthz / submission")
        board = result["board"]
        print(
            f"board.json with {board['letters_in_database']} letters "
            f"(event total {board['board_total']}): full p50 {board['full_p50_ms']} ms, "
            f"p95 {board['full_p95_ms']} ms; If-None-Match (304) p50 "
            f"{board['not_modified_p50_ms']} ms, p95 {board['not_modified_p95_ms']} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--clients", default="10,50,100")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="per worker (>1: gthread)")
    parser.add_argument("--requests", type=int, default=400, help="submissions per N (about)")
    parser.add_argument("--board-letters", type=int, default=100_000)
    parser.add_argument("--board-samples", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    args.clients = [int(n) for n in args.clients.split(",")]
    if args.quick:
        args.requests, args.board_letters, args.board_samples = 100, 20_000, 50
    results = [bench_database(name.strip(), args) for name in args.databases.split(",")]
    if args.json:
        print(json.dumps({"results": results}, indent=2))
    else:
        print_table(results)


if __name__ == "__main__":
    main()
