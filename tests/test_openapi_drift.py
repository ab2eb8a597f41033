"""The OpenAPI document cannot drift from what the API accepts.

Read from ``/api/v1/openapi.json`` as a client reads it, and checked against the running app:
every rule under ``/api/v1`` is documented with its methods (and nothing else is); every request
body refuses a field it does not declare and names a required field left out; every query
parameter refuses a value its schema does not allow and names it. The sample values are derived
from the document itself, so a new endpoint or field is covered without touching this file.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from hypothesis import find
from hypothesis import strategies as st

from marathon.api.board_schemas import EventBoard
from marathon.api.openapi import DOCUMENTED_METHODS, openapi_path
from tests.factories import make_world

API_PREFIX = "/api/v1/"
UNDECLARED = "surely_not_a_field"


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _sample(schema: dict[str, Any]) -> Any:
    """A value the schema allows (enough to get past type checks)."""
    options = [option for option in schema.get("anyOf", [schema]) if option.get("type") != "null"]
    schema = options[0]
    if "enum" in schema:
        return schema["enum"][0]
    if "pattern" in schema:
        return find(st.from_regex(schema["pattern"], fullmatch=True), lambda _value: True)
    return {
        "string": "Ana",
        "integer": schema.get("minimum", 1),
        "boolean": False,
        "array": [],
        "object": {},
    }[schema["type"]]


def _refused_value(schema: dict[str, Any]) -> str | None:
    """A query value the schema does not allow, if it restricts anything."""
    if schema["type"] in ("integer", "number", "boolean"):
        return "x"
    if "enum" in schema:
        return "!" if "!" not in schema["enum"] else None
    if "pattern" in schema:
        return "!" if not re.search(schema["pattern"], "!") else None
    if "maxLength" in schema:
        return "x" * (schema["maxLength"] + 1)
    return None


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, described)
        for path, methods in document["paths"].items()
        for method, described in methods.items()
    ]


def _path_and_headers(operation: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Values for the path parameters and the required headers (each valid as documented)."""
    path_values, headers = {}, {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path_values[parameter["name"]] = str(_sample(parameter["schema"]))
        elif parameter["in"] == "header" and parameter["required"]:
            headers[parameter["name"]] = str(_sample(parameter["schema"]))
    return path_values, headers


def _body_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, method, operation in _operations(document)
        if "requestBody" in operation
    ]


def _send(
    client: FlaskClient,
    path: str,
    method: str,
    operation: dict[str, Any],
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    path_values, required_headers = _path_and_headers(operation)
    url = re.sub(r"\{(\w+)\}", lambda match: path_values[match[1]], path)
    headers = {**required_headers, **(headers or {})}
    return client.open(url, method=method.upper(), json=body, headers=headers)


def _refusal(response: Any, operation: dict[str, Any]) -> dict[str, str]:
    assert str(response.status_code) in operation["responses"], response.status_code
    error = response.get_json()["error"]
    assert error["status"] == response.status_code and error["message"]
    return error.get("fields", {})


def test_every_api_rule_is_documented_with_its_methods(app: Flask, document) -> None:
    registered = {
        (openapi_path(rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX)
        for method in set(rule.methods or ()) & set(DOCUMENTED_METHODS)
    }
    documented = {(path, method) for path, method, _operation in _operations(document)}
    assert registered, "no rule under /api/v1"
    assert registered - documented == set(), "registered but not documented"
    # And the other way: nothing documented that the app does not serve.
    served = {
        (openapi_path(rule), method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
    }
    assert documented - served == set(), "documented but not served"


def test_every_documented_body_refuses_a_field_it_does_not_declare(client, document) -> None:
    operations = _body_operations(document)
    assert operations, "no operation takes a body"
    for path, method, operation in operations:
        schema = _resolve(
            document, operation["requestBody"]["content"]["application/json"]["schema"]
        )
        assert schema["additionalProperties"] is False, f"{path}: undeclared fields are refused"
        body = {name: _sample(schema["properties"][name]) for name in schema["required"]}
        body[UNDECLARED] = "x"
        response = _send(client, path, method, operation, body)
        assert response.status_code == 422, (path, response.get_json())
        fields = _refusal(response, operation)
        assert UNDECLARED in fields["unknown"], (path, fields)


def test_every_documented_field_is_accepted_as_declared(app: Flask, client, document) -> None:
    with app.test_request_context():
        shape = {gettext("This must be text."), gettext("This must be a whole number.")}
    for path, method, operation in _body_operations(document):
        schema = _resolve(
            document, operation["requestBody"]["content"]["application/json"]["schema"]
        )
        body = {name: _sample(field) for name, field in schema["properties"].items()}
        response = _send(client, path, method, operation, body)
        fields = response.get_json().get("error", {}).get("fields", {})
        # Refusals may follow (no such case in this empty database), never for the shape.
        assert "unknown" not in fields, (path, fields)
        assert not shape & set(fields.values()), (path, fields)


def test_every_required_field_left_out_is_named(client, document) -> None:
    for path, method, operation in _body_operations(document):
        schema = _resolve(
            document, operation["requestBody"]["content"]["application/json"]["schema"]
        )
        assert schema["required"], path
        complete = {name: _sample(schema["properties"][name]) for name in schema["required"]}
        for name in schema["required"]:
            body = {key: value for key, value in complete.items() if key != name}
            response = _send(client, path, method, operation, body)
            assert response.status_code == 422, (path, name, response.get_json())
            assert _refusal(response, operation)[name] == "This field is required."


def test_every_query_parameter_takes_what_its_schema_allows_and_only_that(client, document) -> None:
    checked = 0
    for path, method, operation in _operations(document):
        path_values, headers = _path_and_headers(operation)
        url = re.sub(r"\{(\w+)\}", lambda match, values=path_values: values[match[1]], path)
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            name = parameter["name"]
            good = str(_sample(parameter["schema"])).lower()  # booleans as a query writes them
            response = client.open(
                url, method=method.upper(), query_string={name: good}, headers=headers
            )
            # Not found is fine (the sample path names nothing); a refusal of the value is not.
            assert response.status_code != 400, (path, name, good, response.get_json())
            bad = _refused_value(parameter["schema"])
            if bad is None:
                continue
            response = client.open(
                url, method=method.upper(), query_string={name: bad}, headers=headers
            )
            assert response.status_code == 400, (path, name)
            assert name in _refusal(response, operation), (path, name)
            checked += 1
    assert checked >= 4


def test_refusals_speak_the_reader_s_language(app: Flask, client, document) -> None:
    with app.test_request_context(), force_locale("fr"):
        required = gettext("This field is required.")
    assert required != "This field is required."
    for path, method, operation in _body_operations(document):
        response = _send(client, path, method, operation, {}, {"Accept-Language": "fr"})
        assert response.status_code == 422
        assert required in _refusal(response, operation).values(), path


def test_the_board_answers_exactly_its_documented_model(loaded_cases, client) -> None:
    # The board's view is not built from its model (board.queries.board_data makes the dict):
    # a real board with a letter on it is read back through the model, extra keys refused.
    world = make_world(loaded_cases)
    response = client.post(
        "/api/v1/letters",
        json={
            "case": "damisoa",
            "kind": "card",
            "language": "fr",
            "sender_name": "Marie Curie",
            "share_first_name": True,
            "event_code": world.code,
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.get_json()
    board = client.get(f"/events/{world.code}/board.json").get_json()
    assert EventBoard.model_validate(board).latest[0].name == "Marie"
