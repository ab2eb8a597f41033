"""The good-news page: positive cases with their dates, statistics computed from the data."""

from __future__ import annotations

from datetime import date

import pytest

from marathon.extensions import db
from marathon.outcomes import service as outcomes
from tests.factories import make_case


@pytest.fixture
def cases(app):
    """Five cases over two editions: released, released then worsened, no change, none, law."""
    with app.app_context():
        made = {
            "freed": make_case(app, "freed", "Freed Person", 1, edition=2023),
            "worse": make_case(app, "worse", "Worse Person", 2, edition=2023),
            "still": make_case(app, "still", "Still Waiting", 3, edition=2024),
            "silent": make_case(app, "silent", "No News", 4, edition=2024),
            "law": make_case(app, "law", "Law Changed", 5, edition=2024),
        }
        add = outcomes.add_outcome
        add(
            made["freed"],
            day=date(2024, 1, 10),
            kind="released",
            notes={"en": "Home at last."},
            source_url="https://example.org/freed",
        )
        add(made["worse"], day=date(2023, 6, 1), kind="released", notes={}, source_url=None)
        add(made["worse"], day=date(2024, 2, 1), kind="worsened", notes={}, source_url=None)
        add(made["still"], day=date(2024, 3, 1), kind="no_change", notes={}, source_url=None)
        add(made["law"], day=date(2024, 8, 1), kind="law_changed", notes={}, source_url=None)
        return {name: case.id for name, case in made.items()}


def test_statistics_follow_the_stated_rule(app, cases):
    with app.app_context():
        positive, stats = outcomes.good_news()
        assert [case.slug for case, _ in positive] == ["law", "freed"]
        by_key = {stat.key: stat for stat in stats}
        assert (by_key["good_news"].numerator, by_key["good_news"].denominator) == (2, 5)
        assert (by_key["freed"].numerator, by_key["freed"].denominator) == (2, 5)
        assert by_key["followed"].numerator == 4
        assert (by_key["good_news"].first_edition, by_key["good_news"].last_edition) == (
            2023,
            2024,
        )


def test_statistics_change_with_the_data(app, cases):
    with app.app_context():
        from marathon.cases.models import Case

        case = db.session.get(Case, cases["still"])
        outcomes.add_outcome(
            case, day=date(2025, 1, 5), kind="conditional_release", notes={}, source_url=None
        )
        _, stats = outcomes.good_news()
        assert stats[0].numerator == 3


def test_good_news_page_states_numbers_and_definitions(client, cases):
    response = client.get("/good-news", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 cases with good news out of 5 cases we took up, 2023–2024." in page
    assert "How it is counted" in page and "latest outcome is not" in page
    assert "Freed Person" in page and "Home at last." in page
    assert "Worse Person" not in page and "Still Waiting" not in page
    assert 'datetime="2024-01-10"' in page


def test_good_news_page_without_cases(client):
    response = client.get("/good-news", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "No case has been recorded yet." in response.get_data(as_text=True)
