"""The privacy page: in every interface language, with the current edition's purge date."""

from __future__ import annotations

import pytest
from babel.dates import format_date
from flask import Flask

from marathon.privacy.service import retention_deadline

pytestmark = pytest.mark.settings(RETENTION_DAYS=45)


def _expected_date(app: Flask, locale: str) -> str:
    from zoneinfo import ZoneInfo

    deadline = retention_deadline(app.config["EDITION"], app.config["RETENTION_DAYS"])
    local = deadline.astimezone(ZoneInfo(app.config["TIMEZONE"]))
    return format_date(local, format="long", locale=locale)


def test_the_privacy_page_exists_in_every_interface_language(app, client):
    for locale in app.config["LANGUAGES"]:
        response = client.get("/privacy", headers={"Accept-Language": locale})
        assert response.status_code == 200, locale
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}"' in html
        assert _expected_date(app, locale) in html, locale
        assert "45" in html


def test_the_privacy_page_says_what_why_how_long_who_and_how_to_delete(app, client):
    html = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for words in (
        "your name, your town, your country and the text",
        "e-mail address",
        "To print your letter",
        "To count the letters",
        "45 days after the end of the edition",
        "The counts stay",
        "Who sees it",
        "private link",
    ):
        assert words in html, words


def test_the_date_follows_the_retention_setting(app, client):
    app.config["RETENTION_DAYS"] = 90
    html = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _expected_date(app, "en") in html
    assert "March 31, 2026" in html or "April 1, 2026" in html


def test_the_write_form_links_to_the_privacy_page(loaded_cases):
    from marathon.cases.models import Case
    from marathon.extensions import db

    app = loaded_cases
    with app.app_context():
        case = db.session.query(Case).order_by(Case.position).first()
        slug, language = case.slug, case.languages[0]
    html = (
        app.test_client()
        .get(f"/cases/{slug}/write?kind=appeal&language={language}")
        .get_data(as_text=True)
    )
    name_field = html.index('name="sender_name"')
    link = html.index('href="/privacy"')
    assert 0 < link - name_field < 2000, "the privacy link should sit near the name field"
