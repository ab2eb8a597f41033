"""Every route, as anonymous, another group's coordinator, the group's coordinator and an admin.

The matrix is generic: it walks ``app.url_map``, reads each endpoint's roles from
``marathon.accounts.access`` (recorded by ``role_required``), fills URL arguments by name from
objects made here (all belonging to group A), and checks each answer. An endpoint that is neither
protected nor in the small public allow-list below fails the test: a new coordinator route
cannot be left open by mistake.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from accounts_support import login, make_user
from flask import Flask, url_for
from werkzeug.routing.converters import AnyConverter

from marathon.accounts.access import PROTECTED_ENDPOINTS, endpoint_roles, protected_endpoints
from marathon.extensions import db

# Endpoints anyone may open: volunteers never log in. Whole blueprints end with a dot.
PUBLIC_PREFIXES = ("cases.", "letters.", "api.", "web.", "reports.public_", "privacy.")
PUBLIC_ENDPOINTS = {
    "static",
    "accounts.login",
    "accounts.logout",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.accept_invite",
    "events.join",
    "events.join_code",
    "events.leave",
    "board.show",
    "board.figures",
    "events.qr_svg",
    "health.healthz",
    "counter.embed",
    "outcomes.good_news",
}
# URL arguments naming something that belongs to one group: another group's coordinator must be
# refused (403 or 404) where they appear.
GROUP_SCOPED_ARGUMENTS = {
    "group_id",
    "event_id",
    "batch_id",
    "code",
    "join_code",
    "event_code",
    "hand_count_id",
    "entry_id",
    "letter_id",
    "import_id",
    "report_import_id",
}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = False
    app_config["PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"  # fast in tests; the default is strong
    app_config["DEFAULT_LOCALE"] = "en"
    app_config["LOGIN_RATE_LIMIT"] = "1000/60"
    return app_config


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.startswith(PUBLIC_PREFIXES)


def _objects(app: Flask) -> dict[str, Any]:
    """Two groups and, in group A, one of everything a URL may name; the URL argument values."""
    from marathon.batches.models import Batch
    from marathon.cases.models import Case, Outcome
    from marathon.events.models import Event, HandCount
    from marathon.groups.models import Group
    from marathon.letters.models import Letter
    from marathon.reports.models import ReportImport

    with app.app_context():
        group_a, group_b = Group(name="Groupe A"), Group(name="Groupe B")
        case = Case(edition=app.config["EDITION"], slug="matrix-case", person="P", country="FR")
        db.session.add_all([group_a, group_b, case])
        db.session.flush()
        now = datetime.now(UTC)
        event = Event(
            group_id=group_a.id,
            edition=app.config["EDITION"],
            title="Marathon A",
            place="Salle",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=5),
            goal=100,
            join_code="MATRIXA",
        )
        db.session.add(event)
        db.session.flush()
        outcome = Outcome(case_id=case.id, date=date(2025, 1, 2), kind="released")
        batch = Batch(product="letters", filters={}, filter_key="matrix", group_id=group_a.id)
        count = HandCount(
            case_id=case.id, event_id=event.id, group_id=group_a.id, kind="letter", quantity=3
        )
        imported = ReportImport(report_uid="matrix-report", group_id=group_a.id, checksum="x")
        letter = Letter(
            code="MATRIX01",
            idempotency_key="matrix-key",
            private_token="matrix-private-token",
            case_id=case.id,
            kind="letter",
            language="fr",
            event_id=event.id,
            group_id=group_a.id,
        )
        db.session.add_all([outcome, batch, count, imported, letter])
        db.session.commit()
        ids = {
            "group_a": group_a.id,
            "group_b": group_b.id,
            "arguments": {
                "group_id": group_a.id,
                "event_id": event.id,
                "code": event.join_code,
                "join_code": event.join_code,
                "event_code": event.join_code,
                "batch_id": batch.id,
                "index": 0,
                "hand_count_id": count.id,
                "entry_id": count.id,
                "import_id": imported.id,
                "report_import_id": imported.id,
                "letter_id": letter.id,
                "case_id": case.id,
                "slug": case.slug,
                "case_slug": case.slug,
                "outcome_id": outcome.id,
            },
        }
    # An account to act on (disable, new link): not one of the actors.
    ids["arguments"]["user_id"] = make_user(
        app, "target@example.org", group_id=ids["group_a"], name="Target"
    )
    return ids


def _actors(app: Flask, objects: dict[str, Any]) -> dict[str, Any]:
    make_user(app, "admin@example.org", role="admin")
    make_user(app, "own@example.org", group_id=objects["group_a"])
    make_user(app, "other@example.org", group_id=objects["group_b"])
    actors: dict[str, Any] = {"anonymous": app.test_client()}
    for name, address in (
        ("other_coordinator", "other@example.org"),
        ("own_coordinator", "own@example.org"),
        ("admin", "admin@example.org"),
    ):
        client = app.test_client()
        assert login(client, address).status_code == 302, address
        actors[name] = client
    return actors


def _urls(app: Flask, rule: Any, arguments: dict[str, Any]) -> list[str]:
    """The URLs of ``rule``: one per choice of each ``any(...)`` argument."""
    choices: list[dict[str, Any]] = [{}]
    for name in sorted(rule.arguments):
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            values = sorted(converter.items)
        elif name in arguments:
            values = [arguments[name]]
        else:
            pytest.fail(
                f"The access matrix cannot fill {name!r} of {rule.endpoint} ({rule.rule}): "
                "add a value for it to _objects() in tests/test_access_matrix.py"
            )
        choices = [{**chosen, name: value} for chosen in choices for value in values]
    with app.test_request_context():
        return [url_for(rule.endpoint, **chosen) for chosen in choices]


def _to_login(response: Any) -> bool:
    return response.status_code in (301, 302, 303) and "/login" in response.headers.get(
        "Location", ""
    )


def _allowed(response: Any, method: str) -> bool:
    status = response.status_code
    if status in (401, 403) or status >= 500 or _to_login(response):
        return False
    # The objects exist, so a page read must not be "not found"; an empty POST may be refused
    # as invalid (4xx) after the access check passed.
    return not (method == "GET" and status == 404)


def _expectation(actor: str, roles: tuple[str, ...], group_scoped: bool) -> str:
    if actor == "anonymous":
        return "login"
    if actor == "admin":
        return "allowed"
    if "coordinator" not in roles:
        return "forbidden"
    if actor == "other_coordinator" and group_scoped:
        return "refused"
    return "allowed"


def _check(expected: str, response: Any, method: str) -> bool:
    status = response.status_code
    if expected == "login":
        return status == 401 or _to_login(response)
    if expected == "forbidden":
        return status == 403
    if expected == "refused":
        return status in (403, 404)
    return _allowed(response, method)


def test_every_endpoint_is_public_by_choice_or_protected(app):
    open_endpoints = sorted(
        endpoint
        for endpoint in app.view_functions
        if endpoint_roles(app, endpoint) is None and not _is_public(endpoint)
    )
    assert not open_endpoints, (
        "These endpoints are neither protected with marathon.accounts.access.role_required nor "
        f"in the public allow-list of tests/test_access_matrix.py: {open_endpoints}"
    )


def test_role_required_records_every_protected_view(app):
    for endpoint, roles in protected_endpoints(app).items():
        view = app.view_functions[endpoint]
        assert "admin" in roles, endpoint
        key = f"{view.__module__}:{view.__qualname__}"
        assert PROTECTED_ENDPOINTS.get(key) == roles, endpoint


def _run_matrix(app: Flask) -> tuple[list[str], list[str]]:
    """Walk every protected endpoint as each actor; the failures and the log of every answer."""
    objects = _objects(app)
    actors = _actors(app, objects)
    protected = protected_endpoints(app)
    assert protected, "no protected endpoint found"
    requests: list[tuple[str, str, tuple[str, ...], bool]] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in protected:
            continue
        group_scoped = bool(set(rule.arguments) & GROUP_SCOPED_ARGUMENTS)
        for url in _urls(app, rule, objects["arguments"]):
            for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
                requests.append((method, url, protected[rule.endpoint], group_scoped))
    # Reads first, so that a POST (a deletion, say) never changes what a later GET finds.
    requests.sort(key=lambda item: item[0] != "GET")

    failures: list[str] = []
    log: list[str] = []
    order = ("anonymous", "other_coordinator", "own_coordinator", "admin")
    for method, url, roles, group_scoped in requests:
        answers = []
        for actor in order:
            response = actors[actor].open(url, method=method, data={})
            expected = _expectation(actor, roles, group_scoped)
            answers.append(str(response.status_code))
            if not _check(expected, response, method):
                failures.append(
                    f"{method} {url} as {actor}: expected {expected}, got "
                    f"{response.status_code} {response.headers.get('Location', '')}"
                )
        log.append(f"{method:6} {url:50} {' '.join(answers)}")
    return failures, log


def test_access_matrix(app):
    failures, log = _run_matrix(app)
    print("method url  anonymous other-group own-group admin", *log, sep="\n")
    assert not failures, "\n".join(failures)
    assert len(log) >= 10


def test_the_matrix_catches_a_route_open_to_other_groups(app):
    from marathon.accounts.access import role_required

    @role_required("coordinator")
    def leaky(event_id: int) -> str:
        return "another group's event, shown to anyone logged in"

    app.add_url_rule("/events/<int:event_id>/leaky", "events.leaky_test", leaky)
    failures, _log = _run_matrix(app)
    assert any("/leaky as other_coordinator: expected refused, got 200" in f for f in failures)
    assert all("/leaky" in failure for failure in failures), failures


def test_the_allow_list_catches_an_unprotected_route(app):
    app.add_url_rule("/events/<int:event_id>/open", "events.open_test", lambda event_id: "x")
    assert endpoint_roles(app, "events.open_test") is None
    assert not _is_public("events.open_test")
