"""With CSRF protection on (the default), a form sent without its token is refused, clearly.

Every page route that takes a POST/PUT/PATCH/DELETE is found in ``app.url_map`` and sent the
request without a token, as a visitor and as a logged-in admin: 400, a page saying the form
expired and that nothing was saved, and no row changed. The JSON API is exempt (no cookies
authenticate it).
"""

from __future__ import annotations

import re

import pytest

from tests.factories import ADMIN_EMAIL, make_world
from tests.safety_support import WRITE_METHODS, row_counts, rule_urls
from tests.settings import FAST_CONFIG

EXPIRED = "This form has expired or was sent from another page"


pytestmark = pytest.mark.settings(FAST_CONFIG, WTF_CSRF_ENABLED=True)


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_every_form_route_refuses_a_post_without_its_token(loaded_cases, auth):
    app = loaded_cases
    world = make_world(app, objects=True)
    anonymous, admin = app.test_client(), app.test_client()
    auth.login(ADMIN_EMAIL, client=admin)
    problems = []
    routes = 0
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITE_METHODS
        if not methods or rule.rule.startswith("/api/"):
            continue
        for url in rule_urls(app, rule, world.arguments):
            for method in sorted(methods):
                routes += 1
                for actor, client in (("anonymous", anonymous), ("admin", admin)):
                    for data in ({}, {"csrf_token": "forged"}):
                        with app.app_context():
                            before = row_counts()
                        response = client.open(url, method=method, data=data)
                        with app.app_context():
                            after = row_counts()
                        text = response.get_data(as_text=True)
                        if response.status_code != 400 or EXPIRED not in text:
                            problems.append(f"{method} {url} as {actor}: {response.status_code}")
                        elif "nothing was saved" not in text or after != before:
                            problems.append(f"{method} {url} as {actor}: changed {after}")
    assert routes > 15
    assert not problems, "\n".join(problems)


def test_the_api_takes_no_csrf_token(loaded_cases):
    app = loaded_cases
    response = app.test_client().post("/api/v1/letters", json={})
    assert response.status_code in (400, 422)
    assert EXPIRED not in response.get_data(as_text=True)


def test_a_form_with_its_token_goes_through(loaded_cases, auth):
    app = loaded_cases
    make_world(app, objects=True)
    client = app.test_client()
    auth.login(ADMIN_EMAIL, client=client)  # the login itself is a form sent with its token
    page = client.get("/events/groups").get_data(as_text=True)
    response = client.post(
        "/events/groups", data={"csrf_token": _token(page), "name": "Groupe B", "town": "Nantes"}
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
