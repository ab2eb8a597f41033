"""axe-core on the public pages and the write journey: no serious or critical violation.

Each page is checked on a desktop window and on a phone (contrast, labels, names of links and
images, landmarks, and so on). axe reports what it can decide; the keyboard test of the write
form is in test_browser_write.py.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.browser_support import DESKTOP, PHONE, describe, make_event, run_axe

CASE = "damisoa"


@pytest.fixture(scope="module")
def places(live_server: Any) -> dict[str, str]:
    """The addresses of a letter's private page and an event's board."""
    from marathon import create_app
    from marathon.extensions import db

    status, body = live_server.post_json(
        "/api/v1/letters",
        {"case": CASE, "kind": "appeal", "language": "en", "sender_name": "Ada Axe"},
        {"Idempotency-Key": uuid.uuid4().hex},
    )
    assert status == 201, body
    app = create_app(dict(live_server.config))

    def in_app(function: Any) -> Any:
        with app.app_context():
            try:
                return function()
            finally:
                db.session.remove()

    code, _title = make_event(in_app, goal=100)
    private = body["letter"]["private_url"].split("://", 1)[1].split("/", 1)[1]
    return {"private": "/" + private, "board": f"/events/{code}/board"}


PAGES = {
    "cases": "/",
    "case": f"/cases/{CASE}",
    "choose": f"/cases/{CASE}/write",
    "form": f"/cases/{CASE}/write?kind=appeal&language=en",
    "join": "/join",
    "good-news": "/good-news",
    "login": "/login",
}


def _open(page: Page, name: str, places: dict[str, str]) -> None:
    if name in places:
        page.goto(places[name])
        return
    response = page.goto(PAGES[name])
    assert response is not None and response.ok, (name, response and response.status)


# Every page on a desktop window; the pages of the write journey on a phone as well.
CHECKS = [
    *[(name, "desktop") for name in [*PAGES, "private", "board", "form-with-errors"]],
    *[(name, "phone") for name in ("cases", "case", "form-with-errors", "private", "join")],
]


@pytest.mark.parametrize(("name", "device"), CHECKS)
def test_page_has_no_serious_accessibility_violation(
    new_context: Any, places: dict[str, str], name: str, device: str
) -> None:
    page = new_context(**(PHONE if device == "phone" else DESKTOP)).new_page()
    if name == "form-with-errors":
        _open(page, "form", places)
        page.get_by_role("button", name="Write and get the PDF").click()
        page.wait_for_selector("[aria-invalid=true]")
    else:
        _open(page, name, places)
    violations = run_axe(page)
    assert not violations, f"{page.url}\n{describe(violations)}"
