"""``next=`` never leads to another site, as the browser will read it; control characters are 400.

Every ``Location`` is resolved the way a browser resolves it (WHATWG: tabs and newlines dropped,
spaces stripped, ``\\`` read as ``/``) against the page's address: it must stay on this host.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from tests.factories import make_user
from tests.settings import FAST_HASH

BASE = "http://localhost/"
# Targets that reach another host once a browser has normalised them, or that are not paths.
OFF_SITE = (
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    " //evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/.//evil.example",
)
# What a browser drops or stops at: a tab or newline would turn "/\t/x" into "//x".
CONTROLS = ("/%09/evil.example", "/%0a/x", "/%0d%0aSet-Cookie:%20x=1", "/x%00", "/%7f/x", "%09//x")


pytestmark = pytest.mark.settings(FAST_HASH, WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000/60")


def _browser_target(location: str) -> str:
    """The host a browser goes to for this Location (as it normalises URLs)."""
    cleaned = "".join(char for char in location.strip() if char not in "\t\n\r").replace("\\", "/")
    return urlsplit(urljoin(BASE, cleaned)).netloc


def _explains(response) -> bool:
    # NUL has its own message, refused for every route before any view runs.
    text = response.get_data(as_text=True)
    return "control characters" in text or "invisible NUL character" in text


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_stays_on_this_site(client, target):
    response = client.get(f"/language/en?next={target}")
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) == "localhost"


@pytest.mark.parametrize("target", CONTROLS)
def test_control_characters_in_next_are_a_400_with_a_message(client, target):
    response = client.get(f"/language/en?next={target}")
    assert response.status_code == 400
    assert _explains(response)
    assert "Location" not in response.headers


def test_a_path_of_this_site_is_followed(client):
    response = client.get("/language/fr?next=/cases/damisoa%3Fx%3D1")
    assert response.headers["Location"] == "/cases/damisoa?x=1"


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_in_stays_on_this_site(app, client, target):
    make_user(app, "admin@example.org", role="admin")
    response = client.post(
        f"/login?next={target}",
        data={"email": "admin@example.org", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) == "localhost"
    # Once logged in, the login page sends the visitor on: still on this site.
    again = client.get(f"/login?next={target}")
    assert _browser_target(again.headers["Location"]) == "localhost"


@pytest.mark.parametrize("target", CONTROLS)
def test_login_refuses_control_characters_before_anything(app, client, target, auth):
    make_user(app, "admin@example.org", role="admin")
    assert client.get(f"/login?next={target}").status_code == 400
    response = auth.attempt("admin@example.org", client=client.application.test_client())
    assert response.status_code == 302  # the account is fine; only that address was refused
    refused = client.post(
        f"/login?next={target}", data={"email": "admin@example.org", "password": "x"}
    )
    assert refused.status_code == 400
    assert _explains(refused)
