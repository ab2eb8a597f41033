"""The board in a real browser: a new letter shows within 3 seconds, without reloading."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
import uuid

import pytest

from tests.factories import make_world
from tests.services import gunicorn_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def database():
    # One database is enough to see the page update; counting is tested on both elsewhere.
    return "sqlite"


def test_a_new_letter_appears_on_the_board_within_3_seconds(app, loaded_cases, tmp_path, browser):
    # pytest-playwright's browser (Debian's chromium, see conftest.py): a second sync_playwright()
    # inside the same test session would clash with its event loop.
    world = make_world(app, past_event=True)
    with gunicorn_server(app, tmp_path, workers=2) as port:
        base = f"http://127.0.0.1:{port}"
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        polls: list[int] = []
        page.on("response", lambda r: polls.append(r.status) if "board.json" in r.url else None)
        page.goto(f"{base}/events/{world.code}/board")
        page.wait_for_timeout(2500)
        assert page.text_content("#board-total") == "0"
        # Fits the projector: no scrolling at 1920x1080.
        assert page.evaluate("document.documentElement.scrollHeight") <= 1080
        payload = {
            "case": "damisoa",
            "kind": "appeal",
            "language": "fr",
            "sender_name": "Zoé Martin",
            "sender_town": "Lyon",
            "sender_country": "France",
            "share_first_name": True,
            "event_code": world.code,
        }
        request = urllib.request.Request(
            f"{base}/api/v1/letters",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
        )
        urllib.request.urlopen(request).read()
        sent = time.monotonic()
        while page.text_content("#board-total") == "0" and time.monotonic() - sent < 3:
            page.wait_for_timeout(50)
        assert page.text_content("#board-total") == "1"
        assert "Zoé" in page.text_content("#board-latest")
        assert 304 in polls  # nothing changed between polls: no body sent
        page.close()
