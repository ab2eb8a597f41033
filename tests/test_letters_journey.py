"""The write journey through the pages: choose, fill in, preview, write, download, delete."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.tally.service import case_total

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


def form_for(client, slug="damisoa", kind="appeal", language="fr"):
    page = client.get(f"/cases/{slug}/write?kind={kind}&language={language}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    submission = re.search(r'name="submission_id" type="hidden" value="([0-9a-f]+)"', html)
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\s*(.*?)</textarea>', html, re.S)
    assert submission and body
    return {
        "submission_id": submission.group(1),
        "sender_name": "Camille Martin",
        "sender_town": "Lyon",
        "sender_country": "France",
        "personal_sentence": "Je pense à vous.",
        "body": body.group(1).replace("&#39;", "'").replace("&amp;", "&"),
        "paper": "a4",
        "group_id": "0",
    }, html


def test_choosing_a_kind_and_language_shows_the_prefilled_form(client, loaded_cases):
    choose = client.get("/cases/damisoa/write")
    assert choose.status_code == 200
    assert 'name="kind"' in choose.get_data(as_text=True)
    data, html = form_for(client)
    assert len(data["body"]) > 100
    assert "Damisoa" in html


def test_writing_a_letter_counts_it_once_and_gives_the_pdf(client, loaded_cases, app):
    data, _html = form_for(client)
    first = client.post("/cases/damisoa/write?kind=appeal&language=fr", data=data)
    assert first.status_code == 302
    again = client.post("/cases/damisoa/write?kind=appeal&language=fr", data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    with app.app_context():
        letters = db.session.scalars(db.select(Letter)).all()
        assert len(letters) == 1
        assert case_total(letters[0].case_id) == 1
        token = letters[0].private_token
    thanks = client.get(first.headers["Location"])
    assert thanks.status_code == 200
    assert "1 letter" in thanks.get_data(as_text=True) or "1 lettre" in thanks.get_data(
        as_text=True
    )
    pdf = client.get(f"/letters/{token}/letter.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert "Camille Martin" in text


def test_form_errors_are_shown_and_nothing_is_saved(client, loaded_cases, app):
    data, _html = form_for(client)
    data["sender_name"] = ""
    data["body"] = "x" * 5000
    response = client.post("/cases/damisoa/write?kind=appeal&language=fr", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please enter your name" in html
    assert "too long" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Letter.id))) == 0


def test_preview_shows_the_letter_with_escaped_text(client, loaded_cases):
    data, _html = form_for(client)
    data["personal_sentence"] = "<script>alert(1)</script>"
    response = client.post("/cases/damisoa/write/preview?kind=appeal&language=fr", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Camille Martin" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_unknown_kind_or_language_goes_back_to_the_choice(client, loaded_cases):
    response = client.get("/cases/damisoa/write?kind=telegram&language=fr")
    assert response.status_code == 200
    assert 'name="kind"' in response.get_data(as_text=True)


def test_unknown_case_is_a_404(client, loaded_cases):
    assert client.get("/cases/nobody/write").status_code == 404


def test_deleting_a_letter_erases_personal_data_but_keeps_the_count(client, loaded_cases, app):
    data, _html = form_for(client)
    written = client.post("/cases/damisoa/write?kind=appeal&language=fr", data=data)
    token = written.headers["Location"].split("/letters/")[1].split("?")[0]
    response = client.post(f"/letters/{token}/delete")
    assert response.status_code == 302
    with app.app_context():
        letter = db.session.scalar(db.select(Letter))
        assert letter.sender_name is None and letter.body is None
        assert letter.purged_at is not None
        assert case_total(letter.case_id) == 1
    assert client.get(f"/letters/{token}/letter.pdf").status_code == 404


def test_paper_choice_is_remembered(client, loaded_cases):
    data, _html = form_for(client)
    data["paper"] = "letter"
    client.post("/cases/damisoa/write?kind=appeal&language=fr", data=data)
    html = client.get("/cases/damisoa/write?kind=appeal&language=fr").get_data(as_text=True)
    assert re.search(r'value="letter"[^>]*checked|checked[^>]*value="letter"', html)
