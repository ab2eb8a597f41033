"""Nothing lost, nothing counted twice: a real gunicorn server, 24 concurrent clients.

Letters go through ``POST /api/v1/letters`` (some keys deliberately sent twice, some of them at
the same moment) and hand counts through the coordinator's real form (a logged-in session, CSRF
token and all). The tally, the rows and the public board must then agree exactly with the number
of distinct submissions, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import uuid
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from marathon.events.models import HandCount
from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.tally.models import TallyCount
from tests.factories import PASSWORD, make_world
from tests.services import gunicorn_server

pytestmark = pytest.mark.slow

CLIENTS = 24
LETTERS_PER_CLIENT = 10
HAND_COUNTS_PER_CLIENT = 3


class Client:
    """A tiny HTTP client with its own keep-alive connection and cookie."""

    def __init__(self, port: int, cookie: str | None = None) -> None:
        self.port = port
        self.cookie = cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        for attempt in range(3):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                return response, data
            except (ConnectionError, http.client.HTTPException):
                # A keep-alive connection the server closed: reconnect and send again (that
                # is exactly the retry the idempotency key exists for).
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


@pytest.fixture
def server(app, loaded_cases, tmp_path):
    """Gunicorn, 3 workers, on the test's database, with a group, an event and coordinators."""
    world = make_world(app, past_event=True)
    with gunicorn_server(app, tmp_path, workers=3) as port:
        yield port, world


def _login(port: int) -> tuple[str, str]:
    """Log in as the coordinator through the real form; returns (cookie, CSRF token)."""
    client = Client(port)
    response, body = client.request("GET", "/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"csrf_token": token, "email": "coord@example.org", "password": PASSWORD})
    client.cookie = cookie
    response, _ = client.request(
        "POST", "/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 302, response.status
    return response.getheader("Set-Cookie").split(";")[0], token


def test_concurrent_letters_and_hand_counts_are_counted_exactly(server, app):
    port, world = server
    cookie, _token = _login(port)
    page_client = Client(port, cookie)
    response, page = page_client.request("GET", f"/events/{world.event_id}/hand-counts")
    assert response.status == 200
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    case_ids = sorted({int(x) for x in re.findall(rb'name="case_id" value="(\d+)"', page)})
    slugs = ["damisoa", "manahel-al-otaibi"]
    errors: list[str] = []
    sent_letters: set[str] = set()
    sent_hand: dict[str, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def letter(client: Client, key: str, n: int, with_event: bool) -> None:
        payload = {
            "case": slugs[n % 2],
            "kind": "appeal",
            "language": "fr",
            "sender_name": f"Writer {n}",
            "sender_town": "Lyon",
            "sender_country": "France",
            "share_first_name": True,
        }
        if with_event:
            payload["event_code"] = world.code
        response, body = client.request(
            "POST",
            "/api/v1/letters",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "Idempotency-Key": key},
        )
        if response.status not in (200, 201):
            errors.append(f"letter {response.status} {body[:200]!r}")

    def hand(client: Client, key: str, quantity: int, case_id: int) -> None:
        form = urlencode(
            {
                "csrf_token": token,
                "case_id": case_id,
                "kind": "card",
                "quantity": quantity,
                "idempotency_key": key,
            }
        )
        response, body = client.request(
            "POST",
            f"/events/{world.event_id}/hand-counts",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status != 302:
            errors.append(f"hand count {response.status} {body[:200]!r}")

    def run(index: int) -> None:
        rng = random.Random(index)
        client = Client(port)
        coordinator = Client(port, cookie)
        start.wait()
        for n in range(LETTERS_PER_CLIENT):
            key = uuid.uuid4().hex
            with_event = n % 10 != 9  # one in ten is written from home
            letter(client, key, index * 100 + n, with_event)
            if with_event:
                with lock:
                    sent_letters.add(key)
            if n % 4 == 0:  # a retry after a "timeout": the same key again
                letter(Client(port), key, index * 100 + n, with_event)
        for n in range(HAND_COUNTS_PER_CLIENT):
            key = uuid.uuid4().hex
            quantity = rng.randint(1, 40)
            hand(coordinator, key, quantity, case_ids[n % len(case_ids)])
            with lock:
                sent_hand[key] = quantity
            if n == 0:  # a double tap
                hand(Client(port, cookie), key, quantity, case_ids[0])

    def double_send(index: int) -> None:
        # Two connections send the same key at the same moment.
        key = uuid.uuid4().hex
        barrier = threading.Barrier(2)

        def go() -> None:
            barrier.wait()
            letter(Client(port), key, 9000 + index, True)

        pair = [threading.Thread(target=go) for _ in range(2)]
        for thread in pair:
            thread.start()
        for thread in pair:
            thread.join()
        with lock:
            sent_letters.add(key)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    threads += [threading.Thread(target=double_send, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:5]

    home_letters = CLIENTS * LETTERS_PER_CLIENT // 10
    assert len(sent_letters) + home_letters >= 200
    expected_event = len(sent_letters) + sum(sent_hand.values())
    with app.app_context():
        event_total = db.session.scalar(
            select(func.sum(TallyCount.quantity)).where(TallyCount.event_id == world.event_id)
        )
        online = db.session.scalar(
            select(func.sum(TallyCount.quantity)).where(TallyCount.channel == "online")
        )
        letters = db.session.scalar(select(func.count(Letter.id)))
        event_letters = db.session.scalar(
            select(func.count(Letter.id)).where(Letter.event_id == world.event_id)
        )
        entries = db.session.scalars(select(HandCount)).all()
    assert event_letters == len(sent_letters)
    assert letters == online == len(sent_letters) + home_letters
    assert {entry.idempotency_key: entry.quantity for entry in entries} == sent_hand
    assert event_total == expected_event
    response, body = Client(port).request("GET", f"/events/{world.code}/board.json")
    board = json.loads(body)
    assert board["total"] == expected_event
    assert board["online"] == len(sent_letters)
    assert board["handwritten"] == sum(sent_hand.values())
