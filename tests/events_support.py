"""Shared set-up of the events tests: a group, its coordinator, an admin, an event; logging in."""

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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from marathon.accounts.service import create_user
from marathon.events import service
from marathon.groups import service as group_service

PASSWORD = "correct horse battery"


@dataclass
class World:
    group_id: int
    other_group_id: int
    event_id: int
    code: str
    closed_code: str
    other_event_id: int


def make_world(app) -> World:
    """Two groups, a coordinator each, an admin, an open event, a past event, another's event."""
    with app.app_context():
        group = group_service.create_group(name="Montréal", town="Montréal")
        other = group_service.create_group(name="Québec", town="Québec")
        create_user(
            email="coord@example.org",
            name="Chloé",
            password=PASSWORD,
            role="coordinator",
            group_id=group.id,
        )
        create_user(
            email="other@example.org",
            name="Olivier",
            password=PASSWORD,
            role="coordinator",
            group_id=other.id,
        )
        create_user(email="admin@example.org", name="Ada", password=PASSWORD, role="admin")
        now = datetime.now(UTC)
        event = service.create_event(
            group_id=group.id,
            title="Marathon de Montréal",
            place="Bibliothèque",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=5),
            goal=500,
        )
        past = service.create_event(
            group_id=group.id,
            title="Last year",
            place=None,
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=1),
        )
        theirs = service.create_event(
            group_id=other.id,
            title="Québec writes",
            place=None,
            starts_at=now,
            ends_at=now + timedelta(hours=3),
        )
        return World(group.id, other.id, event.id, event.join_code, past.join_code, theirs.id)


def login(client, email: str = "coord@example.org") -> None:
    """Log in through the real form (the test module turns CSRF off)."""
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("MARATHON_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
def gunicorn_server(app, tmp_path: Path, workers: int = 3) -> Iterator[int]:
    """A real gunicorn on ``app``'s database (as in production); yields its port.

    Background jobs go to a throw-away RQ queue (Redis db 15), deleted at the end.
    """
    instance = Path(app.instance_path)
    queue = f"marathon-test-{uuid.uuid4().hex[:8]}"
    (instance / "config.py").write_text(
        f"REDIS_URL = {REDIS_URL!r}\nJOBS_QUEUE = {queue!r}\nLOGIN_RATE_LIMIT = (1000, 60)\n"
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
        process.send_signal(signal.SIGINT)  # quick shutdown (SIGTERM waits for keep-alives)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        from redis import Redis
        from rq import Queue

        Queue(queue, connection=Redis.from_url(REDIS_URL)).delete(delete_jobs=True)
