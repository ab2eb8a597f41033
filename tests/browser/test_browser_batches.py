"""A coordinator's print batch in a real browser: log in, count, start, watch it, download."""

from __future__ import annotations

import re
import uuid
from typing import Any

from browser_support import PASSWORD, login, unique
from playwright.sync_api import Page, expect
from pypdf import PdfReader

CASE = "damisoa"
LETTERS = 3


def make_coordinator(in_app: Any) -> tuple[str, int]:
    """A group and its coordinator; returns (e-mail, group id)."""
    from marathon.accounts.service import create_user
    from marathon.events import service

    email = f"coord-{uuid.uuid4().hex[:8]}@example.org"

    def create() -> int:
        group = service.create_group(name=unique("Batch group"), town="Nantes")
        create_user(
            email=email, name="Claire", password=PASSWORD, role="coordinator", group_id=group.id
        )
        return group.id

    return email, in_app(create)


def test_coordinator_prints_a_batch_from_start_to_download(
    page: Page, in_app: Any, live_server: Any
) -> None:
    email, group_id = make_coordinator(in_app)
    codes = []
    for index in range(LETTERS):
        status, body = live_server.post_json(
            "/api/v1/letters",
            {
                "case": CASE,
                "kind": "appeal",
                "language": "en",
                "sender_name": f"Batch writer {index}",
                "sender_town": "Nantes",
                "group_id": group_id,
            },
            {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert status == 201, body
        codes.append(body["letter"]["code"])

    login(page, email)
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    page.goto("/batches/new")
    page.get_by_label("Print", exact=True).select_option("letters")
    page.get_by_role("button", name="Count letters and pages").click()
    expect(page.get_by_role("status")).to_contain_text(f"{LETTERS} letters")

    page.get_by_role("button", name="Start the batch").click()
    expect(page).to_have_url(re.compile(r"/batches/\d+$"))
    # The page follows the job by itself (status.json, then a reload when it is done).
    download_link = page.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible(timeout=60_000)
    expect(page.locator(".batch-detail")).to_have_attribute("data-status", "done")
    pages_text = page.locator("p", has=download_link).inner_text()
    shown_pages = int(re.search(r"(\d+) pages?", pages_text).group(1))

    with page.expect_download(timeout=30_000) as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
    reader = PdfReader(download.path())
    assert len(reader.pages) == shown_pages
    text = "\n".join(p.extract_text() for p in reader.pages)
    for code in codes:
        assert text.count(code) == 1, code
