"""Outcome timelines: edited by a section admin only, validated; latest outcome per case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marathon.cases.models import Outcome
from marathon.extensions import db
from tests.factories import BREST, EDITION, LYON, make_world

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False, EDITION=EDITION)


@pytest.fixture
def world(app):
    return make_world(app, LYON, BREST, counts=True)


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


def test_admin_adds_edits_and_deletes_an_outcome(app, client, world, auth):
    auth.login("admin@example.org")
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
def test_invalid_outcomes_are_refused_with_a_reason(app, client, world, changes, message, auth):
    auth.login("admin@example.org")
    response = client.post(f"/reports/outcomes/{world.case_a}/new", data=_form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app) == 0


def test_the_same_outcome_twice_is_refused(app, client, world, auth):
    auth.login("admin@example.org")
    client.post(f"/reports/outcomes/{world.case_a}/new", data=_form())
    again = client.post(f"/reports/outcomes/{world.case_a}/new", data=_form())
    assert again.status_code == 422
    assert "already has an outcome" in again.get_data(as_text=True)
    assert _count(app) == 1


def test_coordinators_and_visitors_cannot_edit_outcomes(app, client, world, auth):
    assert client.post(f"/reports/outcomes/{world.case_a}/new", data=_form()).status_code == 302
    auth.login("lyon@example.org")
    assert client.get("/reports/outcomes").status_code == 403
    assert client.post(f"/reports/outcomes/{world.case_a}/new", data=_form()).status_code == 403
    assert _count(app) == 0
