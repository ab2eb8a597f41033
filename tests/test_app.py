"""The application factory and the site-wide behaviour."""

from __future__ import annotations


def test_home_page_answers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Marathon" in response.data


def test_unknown_page_is_a_helpful_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"does not exist" in response.data


def test_every_page_sends_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_language_switch_is_remembered(client):
    client.get("/language/de?next=/")
    with client.session_transaction() as session:
        assert session["locale"] == "de"
