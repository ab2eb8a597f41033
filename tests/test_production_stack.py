"""The production stack at work: two gunicorn servers (two processes each) and two RQ workers on
PostgreSQL and Redis, a burst of letters through both servers while a print batch runs.

The servers use deploy/gunicorn.conf.py as a deployment would; the workers are
``flask marathon worker``. Every letter sent is counted exactly once (some keys are sent twice, to
both servers at once), and the batch, built by a worker while the burst goes on, is done with
each of its letters exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from marathon.batches import service
from marathon.batches.models import Batch
from marathon.cases.models import Case
from marathon.extensions import db
from marathon.letters.models import Letter
from tests.batches_support import batch_files, letter_codes, make_letters, page_texts
from tests.services import REDIS_TEST_URL, free_port
from tests.settings import own_queue

# Jobs on a Redis queue of this test's own.
pytestmark = [pytest.mark.slow, pytest.mark.settings(own_queue("marathon-stack-"))]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
THREADS = 4
LETTERS_PER_THREAD = 6
REPEATS_PER_THREAD = 2  # keys sent a second time, to the other server
BATCH_LETTERS = 6


@pytest.fixture(params=["postgresql"])
def database(request: pytest.FixtureRequest) -> str:
    """PostgreSQL only: this is the production stack."""
    return request.param


def _stop(process: subprocess.Popen, sig: int) -> None:
    # Each process leads its own group: its children (gunicorn workers, RQ work horses) go too.
    # A worker still rendering the burst's letters is not waited for long: the test is over.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def stack(loaded_cases: Any, tmp_path: Path) -> Iterator[list[str]]:
    """Two servers and two workers on the test's database; yields the servers' base URLs."""
    app = loaded_cases
    instance = Path(app.instance_path)
    (instance / "config.py").write_text(
        f"JOBS_QUEUE = {app.config['JOBS_QUEUE']!r}\nWRITE_RATE_LIMIT = 100000\n"
        "API_WRITE_RATE_LIMIT = 1000000\n"
    )
    env = {
        **os.environ,
        "MARATHON_DATABASE_URL": app.config["DATABASE_URL"],
        "MARATHON_REDIS_URL": REDIS_TEST_URL,
        "MARATHON_INSTANCE_PATH": str(instance),
        "MARATHON_STORAGE_DIR": app.config["STORAGE_DIR"],
        "MARATHON_SECRET_KEY": "stack-test",
        "MARATHON_WEB_WORKERS": "2",
    }
    processes: list[tuple[subprocess.Popen, int]] = []
    urls = []
    try:
        for index in range(2):
            port = free_port()
            log = open(tmp_path / f"gunicorn-{index}.log", "wb")  # noqa: SIM115
            command = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:app"]
            server_env = {**env, "MARATHON_BIND": f"127.0.0.1:{port}"}
            processes.append((_spawn(command, server_env, log), signal.SIGINT))
            urls.append(f"http://127.0.0.1:{port}")
        for index in range(2):
            log = open(tmp_path / f"worker-{index}.log", "wb")  # noqa: SIM115
            command = [str(BIN / "flask"), "--app", "app", "marathon", "worker"]
            processes.append((_spawn(command, env, log), signal.SIGTERM))
        for url in urls:
            _wait_until_up(url, processes, tmp_path)
        yield urls
    finally:
        for process, sig in processes:
            _stop(process, sig)
        from redis import Redis
        from rq import Queue

        Queue(app.config["JOBS_QUEUE"], connection=Redis.from_url(REDIS_TEST_URL)).delete(
            delete_jobs=True
        )


def _spawn(command: list[str], env: dict[str, str], log: Any) -> subprocess.Popen:
    with log:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_until_up(url: str, processes: list[Any], tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "/healthz", timeout=2) as response,
        ):
            if response.status == 200:
                return
        dead = [process for process, _sig in processes if process.poll() is not None]
        if dead or time.monotonic() > deadline:
            logs = "\n".join(path.read_text()[-1500:] for path in tmp_path.glob("*.log"))
            raise AssertionError(f"the stack did not start:\n{logs}")
        time.sleep(0.2)


def _post_letter(url: str, slug: str, key: str) -> int:
    payload = {"case": slug, "kind": "card", "language": "fr", "sender_name": f"Burst {key[:6]}"}
    request = urllib.request.Request(
        url + "/api/v1/letters",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": key},
        method="POST",
    )
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if attempt == 2:
                raise
            time.sleep(0.5)  # the same key again: exactly what the key is for
    raise AssertionError("unreachable")


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def test_two_servers_and_two_workers_count_a_burst_and_build_a_batch_at_once(
    loaded_cases: Any, stack: list[str]
) -> None:
    app = loaded_cases
    with app.app_context():
        cases = list(db.session.scalars(select(Case).order_by(Case.position, Case.id)))
        batch_case_id, burst_case_id, burst_slug = cases[0].id, cases[1].id, cases[1].slug
        batch_ids = make_letters(BATCH_LETTERS, case_ids=[batch_case_id])
        # RQ job ids are "batch-<id>" and the tests' Redis outlives their databases (whose ids
        # restart at 1): a batch id of its own keeps an old run's job from shadowing this one.
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('batch', 'id'), :n)"),
            {"n": random.randrange(10**6, 10**9)},
        )
        db.session.commit()
        codes = letter_codes(batch_ids)

    keys = [[uuid.uuid4().hex for _ in range(LETTERS_PER_THREAD)] for _ in range(THREADS)]
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS + 1)

    def burst(thread: int) -> None:
        mine = keys[thread]
        start.wait()
        for index, key in enumerate(mine):
            # Alternate the servers; the first few keys are sent again to the other one.
            got = [_post_letter(stack[(thread + index) % 2], burst_slug, key)]
            if index < REPEATS_PER_THREAD:
                got.append(_post_letter(stack[(thread + index + 1) % 2], burst_slug, key))
            with lock:
                statuses.extend(got)

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    with app.app_context():
        start.wait()  # the batch starts as the burst does
        batch_id = service.start_batch("letters", {"case_id": batch_case_id}, "a4").id
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)

    distinct = THREADS * LETTERS_PER_THREAD
    assert statuses.count(201) == distinct, sorted(set(statuses))
    assert statuses.count(200) == THREADS * REPEATS_PER_THREAD

    # Totals agree on both servers, in the rows and in the tally.
    for url in stack:
        totals = _get_json(url + "/api/v1/totals")
        assert totals["total"] == distinct
        per_case = {case["slug"]: case["total"] for case in totals["cases"]}
        assert per_case[burst_slug] == distinct
    with app.app_context():
        written = db.session.scalar(
            select(func.count(Letter.id)).where(Letter.case_id == burst_case_id)
        )
        assert written == distinct

    # The batch, built by one of the workers meanwhile.
    deadline = time.monotonic() + 240
    with app.app_context():
        while True:
            db.session.rollback()  # a fresh snapshot: the workers write in other processes
            batch = db.session.get(Batch, batch_id)
            if batch.status in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert batch.status == "done", (batch.status, batch.error, batch.done, batch.total)
        assert sorted(batch.letter_ids) == sorted(batch_ids)
        assert batch.done == batch.total  # progress complete (its steps, not only letters)
        pages = [text for _entry, data in batch_files(app, batch) for text in page_texts(data)]
        assert len(pages) == batch.pages
        printed = "\n".join(pages)
        for code in codes:
            assert printed.count(code) == 1, code
