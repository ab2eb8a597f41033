"""The real servers of the test suite: where it finds PostgreSQL and Redis (never fakes), and the
gunicorn it starts for the tests that need a production-like server."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

POSTGRES_ADMIN_URL = os.environ.get(
    "MARATHON_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("MARATHON_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a server the test started: SIGINT (a quick shutdown: SIGTERM waits for keep-alive
    connections), then kill it if it is still there after ``timeout`` seconds."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def gunicorn_server(app: Any, tmp_path: Path, workers: int = 3) -> Iterator[int]:
    """A real gunicorn on ``app``'s database (as in production); yields its port.

    Background jobs go to a throw-away RQ queue (Redis db 15), deleted at the end.
    """
    instance = Path(app.instance_path)
    queue = f"marathon-test-{uuid.uuid4().hex[:8]}"
    (instance / "config.py").write_text(
        f"REDIS_URL = {REDIS_TEST_URL!r}\nJOBS_QUEUE = {queue!r}\nLOGIN_RATE_LIMIT = (1000, 60)\n"
        "API_WRITE_RATE_LIMIT = 1000000\n"
    )
    port = free_port()
    env = {
        **os.environ,
        "MARATHON_DATABASE_URL": app.config["DATABASE_URL"],
        "MARATHON_INSTANCE_PATH": str(instance),
        "MARATHON_STORAGE_DIR": str(instance / "storage"),
        "MARATHON_SECRET_KEY": "gunicorn-test",
    }
    log = tmp_path / "gunicorn.log"
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        *("-w", str(workers), "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5"),
        *("--log-level", "warning", "marathon:create_app()"),
    ]
    with open(log, "wb") as errors:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log.read_text()[-3000:])
            time.sleep(0.2)
        yield port
    finally:
        stop(process)
        from redis import Redis
        from rq import Queue

        Queue(queue, connection=Redis.from_url(REDIS_TEST_URL)).delete(delete_jobs=True)
