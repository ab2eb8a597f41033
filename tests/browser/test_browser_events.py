"""Events in a real browser: joining by code, the live board moving as letters arrive."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.browser_support import PHONE, make_event

CASE = "damisoa"


def test_joining_by_code_makes_the_letters_count_for_the_event(
    new_context: Any, in_app: Any
) -> None:
    code, title = make_event(in_app)
    page = new_context(**PHONE).new_page()
    page.goto("/")
    page.get_by_role("link", name="Join an event").first.click()
    expect(page).to_have_url(re.compile("/join$"))
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(code.lower())
    page.get_by_label(re.compile("code", re.IGNORECASE)).press("Enter")
    expect(page.get_by_text(f"Welcome to {title}")).to_be_visible()

    page.goto(f"/cases/{CASE}/write?kind=card&language=en")
    banner = page.locator(".event-banner")
    expect(banner).to_contain_text("counts for the event")
    expect(banner).to_contain_text(title)

    # A letter written now is counted for the event: the board shows it.
    page.get_by_label(re.compile("Your name")).fill("Zoé Martin")
    page.get_by_label(re.compile("first name on the event")).check()
    page.get_by_role("button", name="Write and get the PDF").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    page.goto(f"/events/{code}/board")
    expect(page.locator("#board-total")).to_have_text("1")
    expect(page.locator("#board-latest")).to_contain_text("Zoé")


def test_a_wrong_code_says_what_to_do(page: Page) -> None:
    page.goto("/join")
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill("ZZZZZZ")
    page.get_by_role("button", name=re.compile("Join", re.IGNORECASE)).click()
    expect(page.get_by_text("No event has the code ZZZZZZ")).to_be_visible()


def test_live_board_updates_without_reloading_while_letters_arrive(
    page: Page, in_app: Any, live_server: Any
) -> None:
    code, _title = make_event(in_app, goal=10)
    page.goto(f"/events/{code}/board")
    total = page.locator("#board-total")
    expect(total).to_have_text("0")
    page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads

    written = 0
    for batch in (1, 2):
        for _ in range(batch):
            status, body = live_server.post_json(
                "/api/v1/letters",
                {
                    "case": CASE,
                    "kind": "card",
                    "language": "en",
                    "sender_name": "Sam Board",
                    "share_first_name": True,
                    "event_code": code,
                },
                {"Idempotency-Key": uuid.uuid4().hex},
            )
            assert status == 201, body
            assert body["letter"]["event_id"] is not None
            written += 1
        # The board polls every 2 s: the number changes within 3 s, without a reload.
        expect(total).to_have_text(str(written), timeout=3_000)
    expect(page.locator("#board-latest")).to_contain_text("Sam")
    expect(page.locator("#board-online")).to_have_text("3")
    assert page.evaluate("() => window.__sameDocument === true")
