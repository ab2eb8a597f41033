"""The write journey in a real browser: phone and desktop, preview, PDF, keyboard alone."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.browser_support import DESKTOP, PHONE, unique

CASE = "damisoa"
CASE_PERSON = "Damisoa"


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:20]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_write_journey_from_the_cases_to_the_pdf(new_context: Any, device: str) -> None:
    context = new_context(**(PHONE if device == "phone" else DESKTOP))
    page = context.new_page()
    name = unique("Camille")

    page.goto("/")
    page.get_by_role("link", name=re.compile(CASE_PERSON)).first.click()
    expect(page).to_have_url(re.compile(f"/cases/{CASE}$"))
    page.get_by_role("link", name=re.compile(f"Write for {CASE_PERSON}")).first.click()

    # Step 1: kind and language.
    page.get_by_label(re.compile("Appeal letter")).check()
    page.get_by_label("English", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"kind=appeal.*language=en|language=en.*kind=appeal"))

    # Step 2: the form, the preview in its frame, then the letter.
    page.get_by_label(re.compile("Your name")).fill(name)
    page.get_by_label("Your town").fill("Lyon")
    page.get_by_label("Your country").fill("France")
    page.get_by_label(re.compile("A personal sentence")).fill("I think of you every day.")
    page.get_by_role("button", name="Preview", exact=True).click()
    frame = page.frame_locator("iframe[name=letter-preview]")
    expect(frame.locator("body")).to_contain_text(name, timeout=15_000)
    expect(frame.locator("body")).to_contain_text("I think of you every day.")
    expect(page).to_have_url(re.compile(r"/write\?"))  # the preview did not leave the form

    page.get_by_role("button", name="Write and get the PDF").click()
    expect(page).to_have_url(re.compile(r"/letters/[^/]+\?new=1$"))
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()

    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = open(download.path(), "rb").read()  # noqa: SIM115
    text = _pdf_text(data)
    assert name in text
    assert "Lyon" in text

    # "Open it in the browser": the same PDF, inline.
    href = page.get_by_role("link", name="Open it in the browser").get_attribute("href")
    response = context.request.get(href)
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert name in _pdf_text(response.body())


def _has_visible_focus(page: Page) -> bool:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
            return outline || (s.boxShadow && s.boxShadow !== "none");
        }"""
    )


def _focused(page: Page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.id || e.name || e.textContent || e.tagName).trim(); }"
    )


def _tab_to(page: Page, wanted: str, limit: int = 60) -> None:
    """Press Tab until the element ``wanted`` has the focus, checking each stop shows it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert _has_visible_focus(page), f"no visible focus on {_focused(page)!r}"
        if _focused(page) == wanted:
            return
    raise AssertionError(f"Tab never reached {wanted!r}")


def test_write_form_works_with_the_keyboard_alone_and_shows_the_focus(page: Page) -> None:
    name = unique("Keyboard")
    page.goto(f"/cases/{CASE}/write")
    # Step 1 with the keyboard: the kind radios, then the language radios, then Continue.
    _tab_to(page, "kind-appeal")
    page.keyboard.press("Space")
    _tab_to(page, "Continue")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"kind=appeal"))

    _tab_to(page, "sender_name")
    page.keyboard.type(name)
    _tab_to(page, "sender_town")
    page.keyboard.type("Grenoble")
    _tab_to(page, "sender_country")
    page.keyboard.type("France")
    _tab_to(page, "Write and get the PDF")
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"/letters/[^/]+\?new=1$"))
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    # The PDF link is reachable by keyboard too.
    _tab_to(page, "Download the PDF")
    with page.expect_download(timeout=30_000) as download_info:
        page.keyboard.press("Enter")
    assert name in _pdf_text(open(download_info.value.path(), "rb").read())  # noqa: SIM115


def test_write_form_with_a_missing_name_says_what_to_fix(page: Page) -> None:
    page.goto(f"/cases/{CASE}/write?kind=card&language=en")
    page.get_by_role("button", name="Write and get the PDF").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing has been saved yet")
    expect(page.locator("#sender_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sender_name-error")).to_contain_text("enter your name")
