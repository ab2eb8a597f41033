"""The public counter: JSON with CORS and ETag/304, the frameable embed page, the snippet page."""

from __future__ import annotations

import pytest

from tests.factories import BREST, EDITION, LYON, PASSWORD, count_online, make_world

pytestmark = pytest.mark.settings(
    WTF_CSRF_ENABLED=False, EDITION=EDITION, PUBLIC_TOTALS_CACHE_SECONDS=0
)


@pytest.fixture
def world(app):
    return make_world(app, LYON, BREST, users=False, counts=True)


def test_public_totals_per_case_and_overall(client, world):
    response = client.get(f"/api/v1/public/totals?edition={EDITION}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 22
    assert [(c["slug"], c["total"]) for c in data["cases"]] == [("alice-a", 15), ("bruno-b", 7)]
    assert data["cases"][0]["person"] == "Alice A."


def test_public_totals_are_cacheable_with_cors(client, world):
    response = client.get("/api/v1/public/totals")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=30" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get("/api/v1/public/totals", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_etag_changes_when_a_letter_is_counted(app, client, world):
    etag = client.get("/api/v1/public/totals").headers["ETag"]
    with app.app_context():
        count_online(world.case_b, "card", "fr", world.hand_day, 1)
    response = client.get("/api/v1/public/totals", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.get_json()["total"] == 23


def test_cors_only_on_the_public_endpoint(client, world):
    assert "Access-Control-Allow-Origin" not in client.get("/good-news").headers


def test_bad_edition_is_a_json_400(client):
    response = client.get("/api/v1/public/totals?edition=abc")
    assert response.status_code == 400
    assert "edition" in response.get_json()["error"]["message"]


def test_embed_counter_can_be_framed_anywhere(client, world):
    response = client.get("/embed/counter")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "unsafe-inline" not in policy
    assert response.headers.get("X-Frame-Options") != "SAMEORIGIN"
    html = response.get_data(as_text=True)
    assert "22" in html and "js/counter.js" in html and "<script>" not in html
    # Every other page keeps refusing to be framed by other sites.
    assert "frame-ancestors 'self'" in client.get("/good-news").headers["Content-Security-Policy"]


def test_openapi_document_describes_the_public_endpoint(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/public/totals"]["get"]
    assert "304" in operation["responses"]
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert set(schema["required"]) == {"edition", "total", "cases"}


def test_snippet_page_for_coordinators(app, client, world, auth):
    from marathon.accounts.service import create_user

    with app.app_context():
        create_user(
            email="c@example.org",
            name="C",
            password=PASSWORD,
            role="coordinator",
            group_id=world.group_id,
        )
    assert client.get("/reports/counter").status_code == 302
    auth.login("c@example.org")
    page = client.get("/reports/counter").get_data(as_text=True)
    assert "&lt;iframe src=&#34;http://localhost/embed/counter" in page or "embed/counter" in page


def test_public_totals_cache_keeps_a_few_seconds(app, client, world):
    app.config["PUBLIC_TOTALS_CACHE_SECONDS"] = 60
    assert client.get("/api/v1/public/totals").get_json()["total"] == 22
    with app.app_context():
        count_online(world.case_b, "card", "fr", world.hand_day, 1)
    assert client.get("/api/v1/public/totals").get_json()["total"] == 22
    app.config["PUBLIC_TOTALS_CACHE_SECONDS"] = 0
    assert client.get("/api/v1/public/totals").get_json()["total"] == 23
