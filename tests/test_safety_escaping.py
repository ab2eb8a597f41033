"""What volunteers and coordinators type is text, never markup: pages, preview, board, PDF, CSV."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from marathon.extensions import db
from tests.factories import ADMIN_EMAIL, PASSWORD
from tests.safety_support import ATTRIBUTE, SCRIPT
from tests.settings import FAST_CONFIG

TEMPLATE_SOURCE = "{{ 7*7 }}{% raw %}"
FORMULA_GROUP = '=HYPERLINK("http://evil.example/","Click")'
RAW_MARKUP = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>")
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


pytestmark = pytest.mark.settings(FAST_CONFIG, WTF_CSRF_ENABLED=False)


def _fields() -> dict[str, str]:
    return {
        "sender_name": SCRIPT,
        "sender_town": ATTRIBUTE,
        "sender_country": SCRIPT,
        "personal_sentence": f"{ATTRIBUTE} {SCRIPT}",
        "body": f"{SCRIPT}\n\n{ATTRIBUTE}\n\n{TEMPLATE_SOURCE}",
        "paper": "a4",
        "share_first_name": "y",
        "group_id": "0",
    }


@pytest.fixture
def written(loaded_cases) -> dict[str, Any]:
    """A group named like a formula, an event titled with markup, a letter full of payloads."""
    from marathon.accounts.service import create_user
    from marathon.cases.models import Case
    from marathon.events.models import Event
    from marathon.groups.models import Group

    app = loaded_cases
    with app.app_context():
        case = db.session.query(Case).order_by(Case.position).first()
        group = Group(name=FORMULA_GROUP, town=ATTRIBUTE)
        db.session.add(group)
        db.session.flush()
        now = datetime.now(UTC)
        event = Event(
            group_id=group.id,
            edition=app.config["EDITION"],
            title=SCRIPT,
            place=ATTRIBUTE,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=5),
            goal=10,
            join_code="ESCAPE1",
        )
        db.session.add(event)
        db.session.commit()
        create_user(email=ADMIN_EMAIL, name=SCRIPT, password=PASSWORD, role="admin")
        target = {
            "slug": case.slug,
            "query": {"kind": "appeal", "language": case.languages[0]},
            "code": event.join_code,
        }
    client = app.test_client()
    assert client.get(f"/join/{target['code']}").status_code in (302, 303)
    response = client.post(
        f"/cases/{target['slug']}/write",
        query_string=target["query"],
        data={**_fields(), "submission_id": uuid.uuid4().hex},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    target["private_url"] = response.headers["Location"].split("?")[0]
    target["client"] = client
    return target


def assert_no_markup(html: str, where: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in html, f"{where} holds {raw!r} as markup"


def test_the_private_page_shows_the_payloads_as_text(app, written):
    html = written["client"].get(written["private_url"]).get_data(as_text=True)
    assert_no_markup(html, "the private page")


def test_the_preview_shows_the_payloads_as_text(app, written):
    response = written["client"].post(
        f"/cases/{written['slug']}/write/preview", query_string=written["query"], data=_fields()
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_no_markup(html, "the preview")
    assert ESCAPED_SCRIPT in html
    assert "{{ 7*7 }}" in html and ">49<" not in html


def test_the_event_board_shows_the_first_name_as_text(app, written):
    client = app.test_client()
    page = client.get(f"/events/{written['code']}/board").get_data(as_text=True)
    assert_no_markup(page, "the board page")
    payload = client.get(f"/events/{written['code']}/board.json").get_json()
    names = [item.get("name") for item in _walk_letters(payload)]
    # JSON carries the name as data; board.js puts it in the page with textContent.
    assert SCRIPT in names, payload


def _walk_letters(payload: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(payload, dict):
        if "name" in payload and "kind" in payload:
            found.append(payload)
        for value in payload.values():
            found += _walk_letters(value)
    elif isinstance(payload, list):
        for value in payload:
            found += _walk_letters(value)
    return found


def test_board_script_never_writes_html():
    from pathlib import Path

    for script in Path("marathon/static/js").glob("*.js"):
        source = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in source, f"{script} uses {sink}"


def test_the_pdf_holds_the_payloads_literally(app, written):
    response = written["client"].get(f"{written['private_url']}/letter.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", SCRIPT) in flat
    assert re.sub(r"\s+", "", ATTRIBUTE) in flat
    assert "{{7*7}}" in flat and "{%raw%}" in flat


def _admin(app):
    client = app.test_client()
    assert client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}).status_code
    return client


def test_report_pages_show_names_and_titles_as_text(app, written):
    client = _admin(app)
    for url in (
        "/reports?by=event",
        "/reports?by=group",
        "/reports?by=case&by=event",
        "/events/",
        "/users",
        "/batches/new",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_markup(response.get_data(as_text=True), url)


def test_the_json_export_keeps_the_names_as_data(app, written):
    client = _admin(app)
    document = client.get("/reports/export.json?by=event").get_json()
    assert SCRIPT in str(document)


def _csv_cells(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return [cell for row in rows for cell in row]


def test_the_csv_export_holds_the_names(app, written):
    client = _admin(app)
    cells = _csv_cells(client.get("/reports/export.csv?by=event&by=group").data)
    assert any(SCRIPT in cell for cell in cells)
    assert any("HYPERLINK" in cell for cell in cells)


def test_csv_cells_never_start_a_formula(app, written):
    client = _admin(app)
    cells = _csv_cells(client.get("/reports/export.csv?by=event&by=group").data)
    formulas = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not formulas, formulas
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
