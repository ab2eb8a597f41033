"""One word, one meaning: outcome labels, country names, event codes and editions read alike.

Each test would have caught a drift between two definitions of the same thing: the case page and
the good-news page naming an outcome differently, an appeal and the case page naming a country
differently, a report URL refusing a join code that ``/join`` accepts, two totals endpoints
reading the same ``?edition=`` differently.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from marathon.cases.models import OUTCOME_KINDS, OUTCOME_LABELS
from marathon.cases.service import case_countries, get_case
from marathon.codes import CODE_ALPHABET
from marathon.countries import country_name
from marathon.events.service import new_join_code
from marathon.languages import text_direction
from marathon.letters.content import case_destination, draft_content
from marathon.letters.service import LetterDraft
from marathon.outcomes import service as outcomes
from marathon.outcomes.forms import OutcomeForm
from marathon.render.templating import text_direction as render_text_direction
from tests.factories import BREST, EDITION, LYON, make_world

EN = {"Accept-Language": "en"}


pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False, PUBLIC_TOTALS_CACHE_SECONDS=0)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html)


# -- outcomes: one label per kind --------------------------------------------------------------


def test_every_outcome_kind_has_one_label() -> None:
    assert set(OUTCOME_LABELS) == set(OUTCOME_KINDS)


def test_case_page_and_good_news_name_an_outcome_alike(
    loaded_cases: Flask, client: FlaskClient
) -> None:
    with loaded_cases.app_context():
        case = get_case("damisoa")
        outcomes.add_outcome(
            case, day=date(2025, 2, 3), kind="conditional_release", notes={}, source_url=None
        )
        label = str(OUTCOME_LABELS["conditional_release"])
    case_page = client.get("/cases/damisoa", headers=EN).get_data(as_text=True)
    good_news = client.get("/good-news", headers=EN).get_data(as_text=True)
    assert label in case_page
    assert label in good_news
    assert "Conditional release" not in case_page + good_news


def test_outcome_editor_offers_the_same_labels(app: Flask) -> None:
    with app.test_request_context(headers=EN):
        choices = {choice.value: choice.label for choice in OutcomeForm().kind.choices}
        assert {kind: str(label) for kind, label in choices.items()} == {
            kind: str(OUTCOME_LABELS[kind]) for kind in OUTCOME_KINDS
        }


# -- countries: one name per code and language -------------------------------------------------


def test_appeal_and_case_page_name_the_country_alike(
    loaded_cases: Flask, client: FlaskClient
) -> None:
    html = _text(client.get("/cases/damisoa", headers=EN).get_data(as_text=True))
    assert '<p class="meta">Madagascar' in html
    with loaded_cases.test_request_context(headers=EN):
        case = get_case("damisoa")
        draft = LetterDraft(case_slug=case.slug, kind="appeal", language="en", sender_name="Ana")
        assert draft_content(draft, case).country_name == "Madagascar"


def test_a_language_babel_does_not_know_names_the_country_in_english(
    loaded_cases: Flask,
) -> None:
    # Letters used to fall back to the code ("MG"), the case list to English ("Madagascar").
    with loaded_cases.test_request_context(headers=EN):
        case = get_case("damisoa")
        assert country_name(case.country, "zz") == "Madagascar"
        assert ("MG", "Madagascar") in case_countries(case.edition, "zz")
        draft = LetterDraft(case_slug=case.slug, kind="appeal", language="zz", sender_name="Ana")
        assert draft_content(draft, case).country_name == "Madagascar"
        destination = case_destination(case, "appeal", "zz")
        assert destination.country in ("", "MADAGASCAR")
    assert country_name("", "fr") == ""
    assert country_name("XX", "fr") == "XX"


# -- languages and codes -----------------------------------------------------------------------


def test_pages_and_letters_agree_on_the_direction_of_a_language() -> None:
    for language in ("ar", "ar_SA", "ar-SA", "fa", "he", "ur", "fr", "en", "mg", ""):
        assert render_text_direction(language) == text_direction(language)
    assert text_direction("ar-SA") == "rtl" and text_direction("fr_FR") == "ltr"


def test_codes_never_use_letters_read_as_digits(app: Flask) -> None:
    assert not set("01OIL") & set(CODE_ALPHABET)
    with app.app_context():
        assert set(new_join_code()) <= set(CODE_ALPHABET)


# -- an event's code means the same on every route ---------------------------------------------


@pytest.fixture
def world(app):
    return make_world(app, LYON, BREST, counts=True)


def _messy(code: str) -> str:
    """The code as someone types it: lower case, a dash in the middle."""
    return f"{code[:3]}-{code[3:]}".lower()


def test_report_url_takes_the_code_as_join_does(client: FlaskClient, world, auth) -> None:
    messy = _messy(world.code)
    joined = client.get(f"/join/{messy}", headers=EN, follow_redirects=True)
    assert "Welcome to" in joined.get_data(as_text=True)
    auth.login("lyon@example.org")
    response = client.get(f"/reports/events/{messy}/report.json")
    assert response.status_code == 200
    assert response.get_json()["event"]["code"] == world.code
    assert world.code in response.headers["Content-Disposition"]
    by_query = client.get(f"/reports/event-report.json?event={messy}")
    assert by_query.status_code == 200
    assert client.get(f"/reports/events/{_messy(world.other_code)}/report.json").status_code == 403


def test_report_filter_takes_the_code_as_join_does(client: FlaskClient, world, auth) -> None:
    auth.login("admin@example.org")
    exact = client.get(f"/reports/export.csv?by=case&event={world.code}")
    messy = client.get(f"/reports/export.csv?by=case&event={_messy(world.code)}")
    assert exact.status_code == messy.status_code == 200
    assert exact.data == messy.data


def test_export_report_command_takes_the_code_as_join_does(runner, world) -> None:
    result = runner.invoke(args=["marathon", "export-report", "--event", _messy(world.code)])
    assert result.exit_code == 0, result.output
    assert world.code in result.output


# -- ?edition= means the same on every route ---------------------------------------------------


@pytest.mark.parametrize("value", ["x", "1950", "99999", "-1", "2025.0", "٢٠٢٥"])
def test_both_totals_endpoints_refuse_a_bad_edition_alike(client: FlaskClient, value) -> None:
    answers = [
        client.get(f"/api/v1/{path}?edition={value}", headers=EN)
        for path in ("totals", "public/totals", "cases")
    ]
    assert [answer.status_code for answer in answers] == [400, 400, 400]
    messages = {answer.get_json()["error"]["message"] for answer in answers}
    assert messages == {"The edition must be a year, like 2025."}


def test_both_totals_endpoints_read_a_good_edition_alike(client: FlaskClient) -> None:
    for query in ("", f"?edition={EDITION}", "?edition=2001"):
        private = client.get(f"/api/v1/totals{query}").get_json()
        public = client.get(f"/api/v1/public/totals{query}").get_json()
        assert private["edition"] == public["edition"]
        assert private["total"] == public["total"]


def test_a_bad_edition_is_refused_in_the_reader_s_language(client: FlaskClient) -> None:
    french = {"Accept-Language": "fr"}
    for path in ("/api/v1/totals", "/api/v1/public/totals", "/embed/counter"):
        response = client.get(f"{path}?edition=x", headers=french)
        assert response.status_code == 400, path
        text = response.get_json()["error"]["message"] if response.is_json else response.text
        assert "doit être une année, comme 2025." in text, path
