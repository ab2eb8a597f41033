"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, else a small thread pool in-process.

Jobs take ids only and reload what they need; the database is the source of truth for their
progress and errors. Nothing here connects to Redis at import time.

- ``REDIS_URL`` set: :func:`enqueue` puts an RQ job on the ``marathon`` queue whose function is
  :func:`run_task` (the dotted path of the task and its ids). A job id that is already queued,
  scheduled or running is not enqueued a second time. Jobs get a timeout and
  ``Retry(max=3, interval=[5, 30, 60])``. ``flask marathon worker`` runs them.
- No Redis: a ``ThreadPoolExecutor`` of 2 threads, created on first use, runs the task in an app
  context, with the same retries. A job id still running is not started twice.
- ``JOBS_EAGER`` (tests): the task runs at once, in the caller's thread; errors propagate.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry, Worker, get_current_job
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job

from marathon.extensions import db

log = logging.getLogger(__name__)

APP_FACTORY = "marathon.create_app"
RETRY_INTERVALS = (5, 30, 60)
IN_PROCESS_WORKERS = 2
# RQ keeps results and failures this long (seconds): the database keeps what matters.
RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600
SWEEP_FLAG_SECONDS = 600
SWEEP_TIMEOUT = 3600

_executor: ThreadPoolExecutor | None = None
_running: dict[str, Future[Any]] = {}
_lock = threading.Lock()

# The app of this worker process (built once; forked RQ work horses inherit it).
_worker_app: Flask | None = None
_worker_app_pid: int | None = None


def build_app(test_config: dict[str, Any] | None = None) -> Flask:
    """A new app from the factory, for a process of its own (an RQ worker, a render process).

    The factory is named, as gunicorn and RQ name it, rather than imported: it imports every
    feature package, and those queue their work through this module.
    """
    return resolve(APP_FACTORY)(test_config)


def resolve(task: str) -> Callable[..., Any]:
    """The function named by the dotted path ``task``."""
    module_name, _, attribute = task.rpartition(".")
    if not module_name:
        raise ValueError(f"not a dotted path: {task!r}")
    return getattr(importlib.import_module(module_name), attribute)


def enqueue(
    task: str,
    *ids: int,
    job_id: str | None = None,
    timeout: int = 600,
    replace: bool = False,
    fresh: bool = False,
) -> str:
    """Run ``task`` (a dotted path to a function taking ids) in the background.

    ``job_id`` names the job: while a job of that id is queued or running, enqueueing it again
    does nothing (``replace=True`` drops a stale one first, e.g. after its worker was killed).
    ``fresh=True`` says the id was never used (a new letter's render): no look-up first.
    Returns the job id.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    resolve(task)  # fail now, in the caller, on a typo
    for value in ids:
        if not isinstance(value, int):
            raise TypeError("jobs take ids (integers) only")
    job_id = job_id or f"{task.rsplit('.', 1)[-1]}-{'-'.join(map(str, ids))}-{time.time_ns()}"
    job_id = qualified_job_id(app, job_id)
    if app.config.get("JOBS_EAGER"):
        resolve(task)(*ids)
        return job_id
    if app.config.get("REDIS_URL"):
        return _enqueue_rq(app, task, ids, job_id, timeout, replace, fresh)
    return _enqueue_thread(app, task, ids, job_id, replace)


def request_sweep(task: str) -> None:
    """Have ``task`` run soon: a function without arguments that works through what the database
    says is pending (letters not rendered yet, say), so one run serves many requests.

    A flag says "a run is queued and has not started looking yet": while it is set, asking again
    costs one Redis ``SET NX`` (or a set look-up in-process) instead of a job per request. A run
    takes a lock (one run at a time), clears the flag, then looks: whatever was committed before
    a request that found the flag set is seen by that run or the next one.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("JOBS_EAGER"):
        resolve(task)()
        return
    name = _sweep_name(app, task)
    if app.config.get("REDIS_URL"):
        _request_sweep_rq(app, task, name)
    else:
        _request_sweep_thread(app, task, name)


def _sweep_name(app: Flask, task: str, queue: str | None = None) -> str:
    queue = queue or app.config["JOBS_QUEUE"]
    return qualified_job_id(app, f"sweep-{queue}-{task.rsplit('.', 1)[-1]}")


def _request_sweep_rq(app: Flask, task: str, name: str) -> None:
    connection = redis_connection(app)
    # The flag expires: a run lost with its worker must not stop every later one.
    if not connection.set(f"{name}:wanted", 1, nx=True, ex=SWEEP_FLAG_SECONDS):
        return
    try:
        rq_queue(app).enqueue(
            run_sweep,
            task,
            job_id=f"{name}-{time.time_ns()}",
            job_timeout=SWEEP_TIMEOUT * 2,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            retry=Retry(max=3, interval=list(RETRY_INTERVALS)),
            description=task,
        )
    except Exception:
        connection.delete(f"{name}:wanted")
        raise


def run_sweep(task: str) -> None:
    """The function RQ runs for :func:`request_sweep`: one run at a time, flag cleared first."""
    app = worker_app()
    with app.app_context():
        # The queue it came from (a worker may serve several): the flag is that queue's.
        job = get_current_job()
        name = _sweep_name(app, task, job.origin if job is not None else None)
        connection = redis_connection(app)
        with connection.lock(
            f"{name}:running", timeout=SWEEP_TIMEOUT, blocking_timeout=SWEEP_TIMEOUT
        ):
            connection.delete(f"{name}:wanted")
            resolve(task)()


_sweeps_wanted: set[str] = set()
_sweep_locks: dict[str, threading.Lock] = {}


def _request_sweep_thread(app: Flask, task: str, name: str) -> None:
    with _lock:
        if name in _sweeps_wanted:
            return
        _sweeps_wanted.add(name)
        running = _sweep_locks.setdefault(name, threading.Lock())

    def _run() -> None:
        with running:
            with _lock:
                _sweeps_wanted.discard(name)
            _run_with_retries(app, name, resolve(task))

    _track(f"{name}-{time.time_ns()}", _pool().submit(_run))


def qualified_job_id(app: Flask, job_id: str) -> str:
    """``job_id`` with this installation's prefix (added once)."""
    prefix = installation_prefix(app)
    return job_id if job_id.startswith(f"{prefix}-") else f"{prefix}-{job_id}"


def installation_prefix(app: Flask) -> str:
    """A short tag of this installation's database, put in front of every job id.

    Job ids name the rows they work on ("batch-7"); two installations (or test runs) sharing one
    Redis would otherwise see each other's "batch-7" as already queued and skip their own.
    """
    configured = app.config.get("JOBS_PREFIX")
    if configured:
        return str(configured)
    digest = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()
    return f"m{digest[:10]}"


# --- RQ -----------------------------------------------------------------------------------------


def redis_connection(app: Flask | None = None) -> Any:
    """A Redis connection from ``REDIS_URL`` (made on demand, never at import)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError("REDIS_URL is not set")
    # One client (and its connection pool) per app: a new one per enqueue cost a TCP connect on
    # every letter written. redis-py's pool notices a fork and reconnects in the child.
    cached = app.extensions.get("marathon_redis")
    if cached is None or cached[0] != url:
        cached = (url, Redis.from_url(url))
        app.extensions["marathon_redis"] = cached
    return cached[1]


def rq_queue(app: Flask | None = None) -> Any:
    """The RQ queue of Marathon's jobs."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    name = app.config["JOBS_QUEUE"]
    return Queue(name, connection=redis_connection(app))


ALIVE_STATUSES = ("queued", "started", "scheduled", "deferred")


def _enqueue_rq(
    app: Flask,
    task: str,
    ids: tuple[int, ...],
    job_id: str,
    timeout: int,
    replace: bool,
    fresh: bool = False,
) -> str:
    queue = rq_queue(app)
    try:
        existing = None if fresh else Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        existing = None
    if existing is not None:
        status = existing.get_status(refresh=False)
        status = getattr(status, "value", status)
        if status in ALIVE_STATUSES and not replace:
            return job_id
        existing.delete(remove_from_queue=True)
    # DuplicateJobError: another process enqueued the same job id just now, and that one runs.
    with contextlib.suppress(DuplicateJobError):
        queue.enqueue(
            run_task,
            task,
            *ids,
            job_id=job_id,
            job_timeout=timeout,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            retry=Retry(max=3, interval=list(RETRY_INTERVALS)),
            description=f"{task}{ids}",
            unique=True,
        )
    return job_id


def run_task(task: str, *ids: int) -> None:
    """The function RQ runs: build the app once per worker process, run ``task`` in its context."""
    app = worker_app()
    with app.app_context():
        resolve(task)(*ids)


def worker_app() -> Flask:
    """This process's app, built on first use (a forked work horse reuses its parent's)."""
    global _worker_app, _worker_app_pid
    if _worker_app is None:
        _worker_app = build_app()
        _worker_app_pid = os.getpid()
    elif _worker_app_pid != os.getpid():
        # A forked child must not share its parent's database connections.
        with _worker_app.app_context():
            db.engine.dispose(close=False)
        _worker_app_pid = os.getpid()
    return _worker_app


def set_worker_app(app: Flask) -> None:
    """Use ``app`` for the jobs run by this process (``flask marathon worker`` passes its own)."""
    global _worker_app, _worker_app_pid
    _worker_app = app
    _worker_app_pid = os.getpid()


def run_worker(app: Flask, *, burst: bool = False, queues: list[str] | None = None) -> bool:
    """Run an RQ worker on ``queues`` (default: Marathon's queue) until stopped."""
    set_worker_app(app)
    connection = redis_connection(app)
    names = queues or [app.config["JOBS_QUEUE"]]
    worker = Worker([Queue(name, connection=connection) for name in names], connection=connection)
    # The scheduler moves retried jobs back to the queue once their interval has passed.
    return bool(worker.work(burst=burst, with_scheduler=True))


# --- in-process ---------------------------------------------------------------------------------


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(IN_PROCESS_WORKERS, thread_name_prefix="marathon-job")
        return _executor


def _enqueue_thread(app: Flask, task: str, ids: tuple[int, ...], job_id: str, replace: bool) -> str:
    with _lock:
        running = _running.get(job_id)
        if running is not None and not running.done() and not replace:
            return job_id

    function = resolve(task)
    _track(job_id, _pool().submit(_run_with_retries, app, job_id, function, *ids))
    return job_id


def _run_with_retries(app: Flask, job_id: str, function: Callable[..., Any], *ids: int) -> None:
    for attempt, pause in enumerate((0, *RETRY_INTERVALS)):
        time.sleep(pause)
        try:
            with app.app_context():
                function(*ids)
            return
        except Exception:
            # Ids only in logs: never personal data.
            log.exception("job %s failed (attempt %d)", job_id, attempt + 1)


def _track(job_id: str, future: Future[Any]) -> None:
    with _lock:
        _running[job_id] = future
        for key in [key for key, value in _running.items() if value.done()]:
            del _running[key]


def wait_for_jobs(timeout: float = 60) -> None:
    """Wait until the in-process jobs started so far have finished (tests, the CLI)."""
    with _lock:
        futures = list(_running.values())
    for future in futures:
        future.result(timeout=timeout)


def job_alive(job_id: str, app: Flask | None = None) -> bool:
    """Whether the job ``job_id`` is queued, scheduled or running (in-process or on RQ)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    job_id = qualified_job_id(app, job_id)
    if app.config.get("JOBS_EAGER"):
        return False
    if app.config.get("REDIS_URL"):
        try:
            job = Job.fetch(job_id, connection=redis_connection(app))
        except NoSuchJobError:
            return False
        status = job.get_status(refresh=False)
        return getattr(status, "value", status) in ALIVE_STATUSES
    with _lock:
        future = _running.get(job_id)
    return future is not None and not future.done()
