"""The floor under issue 3's throughput ratio: the least a counted write can cost in Flask.

    .venv/bin/python bench/tally_floor.py [--workers 4] [--clients 10,50,100] [--requests 400]

Starts gunicorn (sync workers, as ``bench/tally.py`` does) on a bare Flask app of two routes:
``GET /healthz`` returning a small JSON object, and ``POST /letters`` doing only what counting a
letter cannot do without, with nothing of Marathon: one rate-limit INCR/EXPIRE on Redis, BEGIN
IMMEDIATE on SQLite (WAL), look up the case and the event, insert the letter unless its key
exists, upsert one counter and eight rollup rows, COMMIT, one Redis SET NX for the renderer.
Plain ``sqlite3``, no ORM, no validation, no translations, no security headers.

It prints, for each N, the same columns as ``bench/tally.py``: the trivial endpoint's rate, the
writes' rate and their ratio. The ratio this floor reaches on a machine is the most Marathon's
own write can reach there, since Marathon's write does all of this and more (validation,
normalisation, idempotent answers, the session, CSP and language negotiation on every answer).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tally import REDIS_URL, free_port, percentile, request, run_clients, stop_server

FLOOR_APP = """
import os, secrets, sqlite3, threading
from flask import Flask, jsonify, request
import redis

app = Flask(__name__)
_local = threading.local()
_redis = redis.Redis.from_url(os.environ["FLOOR_REDIS"])
ROLLUP = ("all", "case", "kind", "language", "channel", "event", "group", "day")


def connection():
    c = getattr(_local, "c", None)
    if c is None:
        c = sqlite3.connect(os.environ["FLOOR_DB"], isolation_level=None, timeout=15)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        _local.c = c
    return c


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/letters")
def write():
    body = request.get_json()
    key = request.headers["Idempotency-Key"]
    pipe = _redis.pipeline(transaction=False)
    pipe.incr("floor:rl")
    pipe.expire("floor:rl", 600)
    pipe.execute()
    c = connection()
    c.execute("BEGIN IMMEDIATE")
    case = c.execute("SELECT id FROM cases WHERE slug = ?", (body["case"],)).fetchone()
    event = c.execute("SELECT id FROM events WHERE code = ?", (body["event_code"],)).fetchone()
    row = c.execute(
        "INSERT INTO letters (k, case_id, event_id, name, body) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (k) DO NOTHING RETURNING id",
        (key, case[0], event[0], body["sender_name"], "x" * 900),
    ).fetchone()
    if row:
        c.execute(
            "INSERT INTO tally (case_id, event_id, q) VALUES (?, ?, 1)"
            " ON CONFLICT (case_id, event_id) DO UPDATE SET q = q + 1",
            (case[0], event[0]),
        )
        c.executemany(
            "INSERT INTO rollup (dim, key, q) VALUES (?, ?, 1)"
            " ON CONFLICT (dim, key) DO UPDATE SET q = q + 1",
            [(name, "1") for name in ROLLUP],
        )
    c.execute("COMMIT")
    _redis.set("floor:render", 1, nx=True, ex=600)
    return jsonify({"letter": {"id": row[0] if row else None, "code": secrets.token_hex(4)}}), 201
"""

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE cases (id INTEGER PRIMARY KEY, slug TEXT UNIQUE);
INSERT INTO cases VALUES (1, 'damisoa');
CREATE TABLE events (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
INSERT INTO events VALUES (1, 'ABC123');
CREATE TABLE letters (id INTEGER PRIMARY KEY, k TEXT UNIQUE, case_id INT, event_id INT,
                      name TEXT, body TEXT);
CREATE INDEX letters_case ON letters (case_id);
CREATE INDEX letters_event ON letters (event_id);
CREATE TABLE tally (case_id INT, event_id INT, q INT, UNIQUE (case_id, event_id));
CREATE TABLE rollup (dim TEXT, key TEXT, q INT, UNIQUE (dim, key));
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", default="10,50,100")
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="marathon-bench-floor-"))
    (workdir / "floorapp.py").write_text(FLOOR_APP)
    database = workdir / "floor.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.executescript(SCHEMA)
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--backlog", "2048"),
            *("--chdir", str(workdir), "--log-level", "warning", "floorapp:app"),
        ],
        env={**os.environ, "FLOOR_DB": str(database), "FLOOR_REDIS": REDIS_URL},
    )
    try:
        for _ in range(100):
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        # Warm-up, not measured (as in bench/tally.py).
        run_clients(args.workers, 10, lambda _i, _n: _status(port, "GET", "/healthz", None, 200))
        run_clients(
            args.workers, 10, lambda _i, _n: _status(port, "POST", "/letters", PAYLOAD, 201)
        )
        print(f"== floor: bare Flask + sqlite3, gunicorn {args.workers} sync workers ==")
        print(
            f"{'N':>4} {'healthz/s':>10} {'writes/s':>9} {'ratio':>6} {'p95 ms':>7} {'errors':>7}"
        )
        for clients in [int(n) for n in args.clients.split(",")]:
            per_client = max(2, args.requests // clients)
            elapsed, latencies, errors = run_clients(
                clients, per_client, lambda _i, _n: _status(port, "GET", "/healthz", None, 200)
            )
            trivial = len(latencies) / elapsed
            elapsed, latencies, write_errors = run_clients(
                clients, per_client, lambda _i, _n: _status(port, "POST", "/letters", PAYLOAD, 201)
            )
            writes = len(latencies) / elapsed
            print(
                f"{clients:>4} {trivial:>10.1f} {writes:>9.1f} {writes / trivial:>6.2f}"
                f" {percentile(latencies, 0.95) * 1000:>7.1f} {len(errors) + len(write_errors):>7}"
            )
    finally:
        stop_server(process)


PAYLOAD = json.dumps({"case": "damisoa", "event_code": "ABC123", "sender_name": "Writer"}).encode()


def _status(port: int, method: str, path: str, body: bytes | None, expected: int) -> str | None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
    status = request(port, method, path, body, headers if body else None)[0]
    return None if status == expected else f"{path} {status}"


if __name__ == "__main__":
    main()
