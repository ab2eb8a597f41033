"""The translator's view: which case × kind × language texts exist and which are missing."""

from __future__ import annotations

import pytest

from tests.factories import make_group, make_user
from tests.settings import FAST_CONFIG

pytestmark = pytest.mark.settings(FAST_CONFIG, WTF_CSRF_ENABLED=False)


def test_admin_sees_which_texts_exist_and_which_are_missing(loaded_cases, auth):
    app = loaded_cases
    make_user(app, "admin@example.org", role="admin")
    client = app.test_client()
    auth.login("admin@example.org", client=client)
    html = client.get("/admin/translations?lang=en").get_data(as_text=True)
    assert "Manahel al-Otaibi" in html
    assert "العربية" in html  # Arabic appears as a column: the Saudi appeal has a template and text
    assert "coverage-complete" in html
    assert "coverage-no_text" in html  # no sample case has a Dutch text yet


def test_coverage_marks_arabic_appeal_complete_and_dutch_missing(loaded_cases):
    from marathon.cases.service import get_case
    from marathon.catalogue_admin.coverage import translation_coverage

    with loaded_cases.app_context():
        case = get_case("manahel-al-otaibi")
        row = translation_coverage([case], ["ar", "nl", "fr"])[0]
        assert row.cells[("appeal", "ar")].status == "complete"
        assert row.cells[("appeal", "nl")].status == "no_text"
        assert row.cells[("appeal", "fr")].status == "complete"


def test_coordinators_cannot_see_the_translators_view(loaded_cases, auth):
    app = loaded_cases
    group_id = make_group(app, "Lyon")
    make_user(app, "coord@example.org", role="coordinator", group_id=group_id)
    client = app.test_client()
    auth.login("coord@example.org", client=client)
    assert client.get("/admin/translations").status_code == 403
