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
import json
import os
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_support import (  # noqa: E402
    free_port,
    percentile,
    request,
    run_clients,
    server_cpu_seconds,
    stop_server,
)
from tally_board import bulk_letters, measure_board  # noqa: E402

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
    from marathon.groups import service as group_service

    with app.app_context():
        db.create_all()
        load_cases()
        group = group_service.create_group(name="Bench group", town="Lyon")
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


# -- load ------------------------------------------------------------------------------------


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
