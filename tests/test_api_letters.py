"""The JSON API: cases, letters with an Idempotency-Key, totals, and errors that say what to fix."""

from __future__ import annotations

import uuid

import pytest


def letter_payload(**changes):
    payload = {
        "case": "damisoa",
        "kind": "appeal",
        "language": "en",
        "sender_name": "Alex Doe",
        "sender_town": "Montréal",
    }
    payload.update(changes)
    return payload


def post_letter(client, payload, key=None):
    return client.post(
        "/api/v1/letters",
        json=payload,
        headers={"Idempotency-Key": key or uuid.uuid4().hex},
    )


def test_cases_list_has_languages_and_kinds(client, loaded_cases):
    data = client.get("/api/v1/cases").get_json()
    assert len(data["cases"]) >= 6
    damisoa = next(case for case in data["cases"] if case["slug"] == "damisoa")
    assert {"fr", "en", "es"} <= set(damisoa["languages"])
    assert "appeal" in damisoa["kinds"]


def test_one_case_and_unknown_case(client, loaded_cases):
    assert client.get("/api/v1/cases/damisoa?language=fr").get_json()["story"]
    missing = client.get("/api/v1/cases/nobody")
    assert missing.status_code == 404
    assert "nobody" in missing.get_json()["error"]["message"]


def test_writing_with_the_same_key_twice_counts_once(client, loaded_cases):
    key = uuid.uuid4().hex
    first = post_letter(client, letter_payload(), key)
    second = post_letter(client, letter_payload(), key)
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.get_json()["letter"]["code"] == second.get_json()["letter"]["code"]
    totals = client.get("/api/v1/totals").get_json()
    assert totals["total"] == 1
    pdf = client.get(first.get_json()["letter"]["pdf_url"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_missing_idempotency_key_is_a_clear_400(client, loaded_cases):
    response = client.post("/api/v1/letters", json=letter_payload())
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (letter_payload(sender_name=""), "sender_name"),
        (letter_payload(kind="telegram"), "kind"),
        (letter_payload(language="xx"), "language"),
        (letter_payload(sender_name=12), "sender_name"),
        (letter_payload(group_id="seven"), "group_id"),
        (letter_payload(body="x" * 10_000), "body"),
        (letter_payload(paper="A0"), "paper"),
        (letter_payload(surprise=1), "unknown"),
    ],
)
def test_invalid_letters_are_422_with_the_field_named(client, loaded_cases, payload, field):
    response = post_letter(client, payload)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/totals").get_json()["total"] == 0


def test_unknown_case_letter_is_404(client, loaded_cases):
    assert post_letter(client, letter_payload(case="nobody")).status_code == 404


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        (b"x", "text/plain"),
    ],
)
def test_malformed_bodies_are_400_not_500(client, loaded_cases, body, content_type):
    response = client.post(
        "/api/v1/letters",
        data=body,
        headers={"Idempotency-Key": uuid.uuid4().hex, "Content-Type": content_type},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_openapi_document_describes_the_journey(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    for path in ("/api/v1/cases", "/api/v1/cases/{slug}", "/api/v1/letters", "/api/v1/totals"):
        assert path in document["paths"]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (letter_payload(sender_name=None), "sender_name", "This field is required."),
        (letter_payload(share_first_name="yes"), "share_first_name", "This must be true or false."),
        (letter_payload(group_id=1.0), "group_id", "This must be a whole number."),
        (letter_payload(sender_town="x" * 81), "sender_town", "80 characters or fewer"),
        (letter_payload(window="up"), "window", '"left", "right"'),
        (["damisoa"], "body", "Send a JSON object."),
    ],
)
def test_refusals_say_what_to_fix(client, loaded_cases, payload, field, message):
    response = post_letter(client, payload)
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()["error"]["fields"][field]


def test_null_counts_as_left_out(client, loaded_cases):
    response = post_letter(client, letter_payload(sender_town=None, group_id=None, body=None))
    assert response.status_code == 201, response.get_json()


def test_query_strings_are_checked_and_other_parameters_ignored(client, loaded_cases):
    refused = client.get("/api/v1/cases/damisoa?language=english")
    assert refused.status_code == 400
    assert "two lowercase letters" in refused.get_json()["error"]["fields"]["language"]
    # Left empty is left out; a parameter the API does not read (a cache-buster) is ignored.
    assert client.get("/api/v1/cases?language=&edition=&_=123").status_code == 200
    french = client.get("/api/v1/cases?language=FR", headers={"Accept-Language": "fr"})
    assert "deux lettres minuscules" in french.get_json()["error"]["message"]
