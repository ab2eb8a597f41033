"""A coordinator's print batch in a real browser: log in, count, start, watch it, download its
files one by one and all together."""

from __future__ import annotations

import re
import uuid
import zipfile
from typing import Any

from flask import current_app
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.browser_support import login, unique
from tests.factories import make_group, make_user

CASE = "damisoa"
LETTERS = 3


def make_coordinator(in_app: Any) -> tuple[str, int]:
    """A group and its coordinator; returns (e-mail, group id)."""
    email = f"coord-{uuid.uuid4().hex[:8]}@example.org"

    def create() -> int:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        group_id = make_group(app, unique("Batch group"), "Nantes")
        make_user(app, email, name="Claire", group_id=group_id)
        return group_id

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
    # The label stock named follows the paper chosen.
    stock = page.locator("[data-role=label-stock]")
    expect(stock).to_contain_text("Avery Zweckform 3652")
    page.get_by_label("Paper", exact=True).select_option("letter")
    expect(stock).to_contain_text("Avery 5160")
    page.get_by_label("Paper", exact=True).select_option("a4")
    page.get_by_role("button", name="Count letters and pages").click()
    expect(page.get_by_role("status")).to_contain_text(f"{LETTERS} letters")

    page.get_by_role("button", name="Start the batch").click()
    expect(page).to_have_url(re.compile(r"/batches/\d+$"))
    # The page follows the job by itself (status.json, then a reload when it is done).
    letters_link = page.get_by_role("link", name="01-appeal-letters-a4.pdf")
    expect(letters_link).to_be_visible(timeout=60_000)
    expect(page.locator(".batch-detail")).to_have_attribute("data-status", "done")
    expect(page.get_by_role("link", name="00-contents.pdf")).to_be_visible()
    expect(page.locator(".batch-detail")).to_contain_text("Avery Zweckform 3652")
    row = page.locator("tr", has=letters_link)
    shown_pages = int(row.locator("td").nth(3).inner_text())

    with page.expect_download(timeout=30_000) as download_info:
        letters_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith("01-appeal-letters-a4.pdf")
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"
    reader = PdfReader(download.path())
    assert len(reader.pages) == shown_pages
    text = "\n".join(p.extract_text() for p in reader.pages)
    for code in codes:
        assert text.count(code) == 1, code

    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("link", name="Download all files (ZIP)").click()
    everything = download_info.value
    assert everything.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(everything.path()) as archive:
        assert archive.namelist() == ["00-contents.pdf", "01-appeal-letters-a4.pdf"]
