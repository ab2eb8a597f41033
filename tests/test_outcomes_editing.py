"""Outcome timelines: edited by a section admin only, validated; latest outcome per case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from reports_support import EDITION, login, make_world

from marathon.cases.models import Outcome
from marathon.extensions import db
from marathon.outcomes import service as outcome_service


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = False
    app_config["EDITION"] = EDITION
    return app_config


@pytest.fixture
def world(app):
    return make_world(app)


def _form(**changes):
    data = {
        "date": "2025-03-04",
        "kind": "released",
        "note_fr": "Libérée le 4 mars.",
        "note_en": "Released on 4 March.",
        "source_url": "https://www.amnesty.org/en/latest/news/",
    }
    data.update(changes)
    return data


def _count(app) -> int:
    with app.app_context():
        return db.session.query(Outcome).count()


def test_admin_adds_edits_and_deletes_an_outcome(app, client, world):
    login(client, "admin@example.org")
    assert client.get("/reports/outcomes").status_code == 200
    response = client.post(f"/reports/outcomes/{world.case_a}/new", data=_form())
    assert response.status_code == 302
    with app.app_context():
        outcome = db.session.query(Outcome).one()
        assert outcome.notes == {"fr": "Libérée le 4 mars.", "en": "Released on 4 March."}
        outcome_id = outcome.id
    page = client.get("/reports/outcomes").get_data(as_text=True)
    assert "Libérée le 4 mars." in page or "Released on 4 March." in page
    edited = client.post(
        f"/reports/outcomes/edit/{outcome_id}", data=_form(kind="charges_dropped", note_fr="")
    )
    assert edited.status_code == 302
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        assert outcome.kind == "charges_dropped" and "fr" not in outcome.notes
    assert client.post(f"/reports/outcomes/delete/{outcome_id}").status_code == 302
    assert _count(app) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source_url": "javascript:alert(1)"}, "http:// or https://"),
        ({"source_url": "ftp://example.org/x"}, "http:// or https://"),
        ({"kind": "teleported"}, "Choose what happened"),
        ({"date": ""}, "Give the date"),
        ({"date": (date.today() + timedelta(days=3)).isoformat()}, "cannot be in the future"),
        ({"note_en": "x" * 2001}, "2000"),
    ],
)
def test_invalid_outcomes_are_refused_with_a_reason(app, client, world, changes, message):
    login(client, "admin@example.org")
    response = client.post(f"/reports/outcomes/{world.case_a}/new", data=_form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app) == 0


def test_the_same_outcome_twice_is_refused(app, client, world):
    login(client, "admin@example.org")
    client.post(f"/reports/outcomes/{world.case_a}/new", data=_form())
    again = client.post(f"/reports/outcomes/{world.case_a}/new", data=_form())
    assert again.status_code == 422
    assert "already has an outcome" in again.get_data(as_text=True)
    assert _count(app) == 1


def test_coordinators_and_visitors_cannot_edit_outcomes(app, client, world):
    assert client.post(f"/reports/outcomes/{world.case_a}/new", data=_form()).status_code == 302
    login(client, "lyon@example.org")
    assert client.get("/reports/outcomes").status_code == 403
    assert client.post(f"/reports/outcomes/{world.case_a}/new", data=_form()).status_code == 403
    assert _count(app) == 0


def test_latest_outcome_per_case(app, world):
    with app.app_context():
        from marathon.cases.models import Case

        case = db.session.get(Case, world.case_a)
        outcome_service.add_outcome(
            case, day=date(2024, 5, 1), kind="no_change", notes={}, source_url=None
        )
        outcome_service.add_outcome(
            case, day=date(2025, 2, 1), kind="released", notes={}, source_url=None
        )
        latest = outcome_service.latest_outcomes(EDITION)
        assert latest[world.case_a].kind == "released"
        assert world.case_b not in latest
