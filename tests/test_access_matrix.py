"""Every route, as anonymous, another group's coordinator, the group's coordinator and an admin.

The matrix is generic: it walks ``app.url_map``, reads each endpoint's roles from
``marathon.accounts.access`` (recorded by ``role_required``), fills URL arguments by name from
the world's objects (all belonging to its first group), and checks each answer. An endpoint that
is neither protected nor in the small public allow-list below fails the test: a new coordinator
route cannot be left open by mistake.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from marathon.accounts.access import PROTECTED_ENDPOINTS, endpoint_roles, protected_endpoints
from tests.factories import AuthActions, make_world
from tests.safety_support import rule_urls
from tests.settings import FAST_HASH

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


pytestmark = pytest.mark.settings(FAST_HASH, WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000/60")


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.startswith(PUBLIC_PREFIXES)


def _actors(app: Flask, auth: AuthActions) -> dict[str, Any]:
    """A client for each actor, logged in: the world's two coordinators and its admin."""
    actors: dict[str, Any] = {"anonymous": app.test_client()}
    for name, address in (
        ("other_coordinator", "other@example.org"),
        ("own_coordinator", "coord@example.org"),
        ("admin", "admin@example.org"),
    ):
        client = app.test_client()
        assert auth.attempt(address, client=client).status_code == 302, address
        actors[name] = client
    return actors


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


def _run_matrix(app: Flask, auth: AuthActions) -> tuple[list[str], list[str]]:
    """Walk every protected endpoint as each actor; the failures and the log of every answer."""
    # One of everything a URL may name, all in the first group.
    world = make_world(app, objects=True)
    actors = _actors(app, auth)
    protected = protected_endpoints(app)
    assert protected, "no protected endpoint found"
    requests: list[tuple[str, str, tuple[str, ...], bool]] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in protected:
            continue
        group_scoped = bool(set(rule.arguments) & GROUP_SCOPED_ARGUMENTS)
        for url in rule_urls(app, rule, world.arguments):
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


def test_access_matrix(loaded_cases, auth):
    failures, log = _run_matrix(loaded_cases, auth)
    print("method url  anonymous other-group own-group admin", *log, sep="\n")
    assert not failures, "\n".join(failures)
    assert len(log) >= 10


def test_the_matrix_catches_a_route_open_to_other_groups(loaded_cases, auth):
    app = loaded_cases
    from marathon.accounts.access import role_required

    @role_required("coordinator")
    def leaky(event_id: int) -> str:
        return "another group's event, shown to anyone logged in"

    app.add_url_rule("/events/<int:event_id>/leaky", "events.leaky_test", leaky)
    failures, _log = _run_matrix(app, auth)
    assert any("/leaky as other_coordinator: expected refused, got 200" in f for f in failures)
    assert all("/leaky" in failure for failure in failures), failures


def test_the_allow_list_catches_an_unprotected_route(app):
    app.add_url_rule("/events/<int:event_id>/open", "events.open_test", lambda event_id: "x")
    assert endpoint_roles(app, "events.open_test") is None
    assert not _is_public("events.open_test")
