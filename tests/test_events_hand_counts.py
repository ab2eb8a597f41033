"""Hand counts: entry, correction, never below zero, double submit counted once, history, access."""

from __future__ import annotations

import re
import uuid

import pytest

from marathon.cases.models import Case
from marathon.events import service
from marathon.events.models import Event, HandCount
from marathon.extensions import db
from marathon.tally.models import TallyCount
from tests.factories import make_world

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


@pytest.fixture
def world(loaded_cases):
    return make_world(loaded_cases, past_event=True)


def _case_id(app, slug="damisoa") -> int:
    with app.app_context():
        return db.session.scalar(db.select(Case.id).where(Case.slug == slug))


def _post(client, world, case_id, quantity, kind="appeal", key=None):
    return client.post(
        f"/events/{world.event_id}/hand-counts",
        data={
            "case_id": str(case_id),
            "kind": kind,
            "quantity": str(quantity),
            "idempotency_key": key or uuid.uuid4().hex,
        },
    )


def _tally(app, event_id) -> int:
    with app.app_context():
        rows = db.session.scalars(
            db.select(TallyCount).where(
                TallyCount.event_id == event_id, TallyCount.channel == "handwritten"
            )
        ).all()
        return sum(row.quantity for row in rows)


def test_the_page_lists_every_case_with_a_fresh_key_per_form(client, app, world, auth):
    auth.login("coord@example.org")
    page = client.get(f"/events/{world.event_id}/hand-counts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Damisoa" in html
    keys = re.findall(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert len(keys) >= 2 and len(set(keys)) == len(keys)


def test_entering_37_letters_counts_them_in_the_tally(client, app, world, auth):
    auth.login("coord@example.org")
    case_id = _case_id(app)
    response = _post(client, world, case_id, 37)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#case-{case_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "37 added for" in page
    assert _tally(app, world.event_id) == 37
    with app.app_context():
        entry = db.session.scalars(db.select(HandCount)).one()
        assert (entry.quantity, entry.group_id, entry.kind) == (37, world.group_id, "appeal")
        row = db.session.scalars(db.select(TallyCount)).one()
        assert (row.channel, row.group_id, row.language) == ("handwritten", world.group_id, "")


def test_a_double_tap_counts_once(client, app, world, auth):
    auth.login("coord@example.org")
    case_id = _case_id(app)
    key = uuid.uuid4().hex
    assert _post(client, world, case_id, 5, key=key).status_code == 302
    again = _post(client, world, case_id, 5, key=key)
    assert again.status_code == 302
    assert "already counted" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _tally(app, world.event_id) == 5
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(HandCount.id))) == 1


def test_a_negative_entry_corrects_and_the_history_shows_both(client, app, world, auth):
    auth.login("coord@example.org")
    case_id = _case_id(app)
    _post(client, world, case_id, 12)
    _post(client, world, case_id, -2)
    assert _tally(app, world.event_id) == 10
    html = client.get(f"/events/{world.event_id}/hand-counts").get_data(as_text=True)
    history = html[html.index("History") :]
    assert history.index("-2") < history.index("+12")  # newest first
    assert "Chloé" in history


def test_the_total_never_goes_below_zero(client, app, world, auth):
    auth.login("coord@example.org")
    case_id = _case_id(app)
    _post(client, world, case_id, 3)
    refused = _post(client, world, case_id, -4)
    assert refused.status_code == 400
    assert "below zero" in refused.get_data(as_text=True)
    assert _tally(app, world.event_id) == 3
    # Another kind has its own total.
    assert _post(client, world, case_id, -1, kind="card").status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(HandCount.id))) == 1


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("0", "Enter how many"), ("abc", "flash-error"), ("100001", "between -10000")],
)
def test_bad_numbers_say_what_to_fix_and_count_nothing(client, app, world, quantity, message, auth):
    auth.login("coord@example.org")
    response = _post(client, world, _case_id(app), quantity)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _tally(app, world.event_id) == 0


def test_a_case_of_another_edition_or_unknown_is_refused(client, app, world, auth):
    auth.login("coord@example.org")
    response = _post(client, world, 999_999, 4)
    assert response.status_code == 400
    assert "this edition" in response.get_data(as_text=True)


def test_a_kind_the_case_does_not_offer_is_refused(client, app, world, auth):
    auth.login("coord@example.org")
    response = _post(client, world, _case_id(app, "abdul-baqi-saeed-abdo"), 4, kind="appeal")
    assert response.status_code == 400
    assert "has no appeal" in response.get_data(as_text=True)


def test_service_counts_and_refuses_directly(app, world):
    with app.test_request_context():
        event = db.session.get(Event, world.event_id)
        case_id = _case_id(app)
        first = service.add_hand_count(
            event, case_id=case_id, kind="postcard", quantity=2, idempotency_key="k1", user_id=None
        )
        assert first.created and first.total == 2
        again = service.add_hand_count(
            event, case_id=case_id, kind="postcard", quantity=2, idempotency_key="k1", user_id=None
        )
        assert not again.created and again.total == 2
        with pytest.raises(service.EventError):
            service.add_hand_count(
                event,
                case_id=case_id,
                kind="letter",
                quantity=1,
                idempotency_key="k2",
                user_id=None,
            )


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(f"/events/{world.event_id}/hand-counts")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_coordinator_of_another_group_gets_403(client, app, world, auth):
    auth.login("other@example.org")
    assert client.get(f"/events/{world.event_id}/hand-counts").status_code == 403
    assert _post(client, world, _case_id(app), 3).status_code == 403
    assert _tally(app, world.event_id) == 0


def test_an_admin_may_enter_counts_for_any_group(client, app, world, auth):
    auth.login("admin@example.org")
    assert _post(client, world, _case_id(app), 3).status_code == 302
    assert _tally(app, world.event_id) == 3
