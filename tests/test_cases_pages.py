"""The case pages: the list with its filters, a case's page, its picture."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient

from marathon.cases.service import get_case
from marathon.database import begin_write
from marathon.extensions import db
from marathon.tally.service import add_to_tally

EN = {"Accept-Language": "en"}


def card_slugs(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/cases/([a-z0-9-]+)">', html)


def add_letters(app: Flask, slug: str, quantity: int) -> None:
    with app.app_context():
        case = get_case(slug)
        begin_write()
        add_to_tally(
            edition=case.edition,
            case_id=case.id,
            kind="appeal",
            language="en",
            channel="handwritten",
            day=date(2025, 12, 6),
            quantity=quantity,
        )
        db.session.commit()


def test_list_shows_the_cases_in_order_with_country_summary_and_count(
    loaded_cases: Flask, client: FlaskClient
) -> None:
    html = client.get("/", headers=EN).get_data(as_text=True)
    slugs = card_slugs(html)
    assert slugs[0] == "damisoa"
    assert len(slugs) >= 6
    assert "Madagascar" in html and "Saudi Arabia" in html
    assert "Driven out by drought in southern Madagascar" in html
    assert "0 letters" in html
    assert 'src="/cases/damisoa/photo' in html


def test_list_shows_the_latest_outcome_as_a_badge(loaded_cases: Flask, client: FlaskClient) -> None:
    html = client.get("/", headers=EN).get_data(as_text=True)
    assert 'class="badge positive">Released' in html
    assert "January 23, 2025" in html


def test_filter_by_country_and_by_theme(loaded_cases: Flask, client: FlaskClient) -> None:
    tunisia = card_slugs(client.get("/?country=TN", headers=EN).get_data(as_text=True))
    assert sorted(tunisia) == ["mustapha-djemali-abderrazek-krimi", "sherifa-riahi"]
    women = card_slugs(client.get("/?theme=womens_rights", headers=EN).get_data(as_text=True))
    assert sorted(women) == ["justyna-wydrzynska", "manahel-al-otaibi"]
    both = client.get("/?country=PL&theme=womens_rights", headers=EN).get_data(as_text=True)
    assert card_slugs(both) == ["justyna-wydrzynska"]
    assert '<option value="PL" selected>Poland</option>' in both


def test_a_filter_matching_nothing_says_so(loaded_cases: Flask, client: FlaskClient) -> None:
    response = client.get("/?country=ZZ&theme=%3Cscript%3E", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert card_slugs(html) == []
    assert "No case matches these filters." in html
    assert "<script>" not in html


def test_country_names_follow_the_interface_language(
    loaded_cases: Flask, client: FlaskClient
) -> None:
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Arabie saoudite" in html
    assert '<option value="TN">Tunisie</option>' in html


def test_case_page_shows_story_ask_rules_count_and_write_link(
    loaded_cases: Flask, client: FlaskClient
) -> None:
    add_letters(loaded_cases, "damisoa", 1234)
    response = client.get("/cases/damisoa", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Damisoa</h1>" in html
    assert "In 2021, Damisoa and family fled the drought" in html
    assert "Call on the authorities of Madagascar" in html
    assert "<li>Do not write about politics or religion.</li>" in html
    assert "1,234 letters" in html
    assert 'href="/cases/damisoa/write"' in html
    assert "Appeal letter" in html and "Appeal postcard" in html
    assert "Card of solidarity" in html and "Postcard of solidarity" in html
    assert 'alt="Placeholder picture: Damisoa' in html
    assert "placeholders the section will replace" in html


def test_counts_use_the_interface_language_number_format(
    loaded_cases: Flask, client: FlaskClient
) -> None:
    add_letters(loaded_cases, "damisoa", 1234)
    add_letters(loaded_cases, "sherifa-riahi", 1)
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert re.search(r"1\s234 letters|1\s234 lettres", html)
    assert re.search(r">1 (letter|lettre)<", html)


def test_case_page_shows_the_outcome_timeline(loaded_cases: Flask, client: FlaskClient) -> None:
    html = client.get("/cases/abdul-baqi-saeed-abdo", headers=EN).get_data(as_text=True)
    assert '<time datetime="2025-01-23">' in html
    assert "was released after being unjustly imprisoned for three years" in html


def test_case_page_falls_back_visibly_to_another_language(
    loaded_cases: Flask, client: FlaskClient
) -> None:
    html = client.get("/cases/damisoa", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert 'class="fallback-note"' in html
    assert '<article lang="fr"' in html
    assert "En 2021, Damisoa et sa famille" in html
    english = client.get("/cases/damisoa", headers=EN).get_data(as_text=True)
    assert 'class="fallback-note"' not in english


def test_case_page_lists_arabic_among_manahel_languages(
    loaded_cases: Flask, client: FlaskClient
) -> None:
    html = client.get("/cases/manahel-al-otaibi", headers=EN).get_data(as_text=True)
    assert '<span lang="ar" dir="rtl">العربية</span>' in html


def test_unknown_case_is_a_404_page(loaded_cases: Flask, client: FlaskClient) -> None:
    response = client.get("/cases/nobody-here", headers=EN)
    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)
    assert client.get("/cases/nobody-here/photo").status_code == 404


def test_photo_route_serves_the_case_picture(loaded_cases: Flask, client: FlaskClient) -> None:
    response = client.get("/cases/damisoa/photo")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_pages_work_with_no_case_loaded(app: Flask, client: FlaskClient) -> None:
    response = client.get("/", headers=EN)
    assert response.status_code == 200
    assert "0 cases" in response.get_data(as_text=True)
