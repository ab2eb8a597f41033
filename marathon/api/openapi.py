"""``/api/v1/openapi.json``, generated from the routes and the models that check their inputs.

Every URL rule whose view carries an :func:`marathon.api.operation.operation` declaration is a
path of the document: its parameters come from the rule (path) and from the query and header
models, its request body and answers from the body and answer models, as the JSON schemas that
pydantic derives from them (OpenAPI 3.1 uses JSON Schema 2020-12, pydantic's own dialect). A
JSON endpoint outside ``/api/v1`` whose view lives in another package is declared in
:data:`DECLARED_HERE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from werkzeug.routing import Rule

from marathon.api.board_schemas import BOARD_OPERATION
from marathon.api.operation import Operation, operation_of

REF_TEMPLATE = "#/components/schemas/{model}"
EXTENSION_KEY = "marathon.openapi"  # where the document made once is kept (app.extensions)
# Endpoints whose views are not decorated (they read no query string nor body) but answer JSON
# that sites and the board's page consume.
DECLARED_HERE: dict[str, Operation] = {"board.figures": BOARD_OPERATION}
DOCUMENTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
# What werkzeug's converters accept, as JSON schemas.
CONVERTER_SCHEMAS: dict[str, dict[str, Any]] = {
    "default": {"type": "string", "pattern": "^[^/]+$"},
    "string": {"type": "string", "pattern": "^[^/]+$"},
    "int": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
}

INFO = {
    "title": "Marathon API",
    "version": "1",
    "description": (
        "Cases, letters and totals of Amnesty International's letter-writing marathon, for "
        "sections that embed the action in their own website. Errors are JSON objects with a "
        "message that says what to fix."
    ),
}


class _Schemas(GenerateJsonSchema):
    """Pydantic's JSON schemas without the titles it makes up from field names."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def cached_document(app: Flask) -> dict[str, Any]:
    """:func:`openapi_document`, made once per application (its routes are set at start)."""
    document = app.extensions.get(EXTENSION_KEY)
    if document is None:
        document = app.extensions[EXTENSION_KEY] = openapi_document(app)
    return document


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s declared endpoints."""
    declared = list(declared_operations(app))
    models = sorted(
        {
            (model, "validation" if model is spec.payload else "serialization")
            for _rule, spec in declared
            for model in spec.models()
        },
        key=lambda pair: pair[0].__name__,
    )
    references, definitions = models_json_schema(
        models, ref_template=REF_TEMPLATE, schema_generator=_Schemas
    )
    refs = {model: reference for (model, _mode), reference in references.items()}
    paths: dict[str, dict[str, Any]] = {}
    for rule, spec in declared:
        path = openapi_path(rule)
        for method in sorted(set(rule.methods or ()) & set(DOCUMENTED_METHODS)):
            paths.setdefault(path, {})[method.lower()] = _operation_object(rule, spec, refs)
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": definitions.get("$defs", {})},
    }


def declared_operations(app: Flask) -> Iterator[tuple[Rule, Operation]]:
    """Each URL rule of ``app`` with the declaration of its endpoint, for declared endpoints."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec = (operation_of(view) if view else None) or DECLARED_HERE.get(rule.endpoint)
        if spec is not None:
            yield rule, spec


def openapi_path(rule: Rule) -> str:
    """``/cases/<slug>`` as OpenAPI writes it: ``/cases/{slug}``."""
    return _RULE_ARGUMENT.sub(lambda match: "{" + match["name"] + "}", rule.rule)


def _operation_object(
    rule: Rule, spec: Operation, refs: dict[type[BaseModel], dict[str, Any]]
) -> dict[str, Any]:
    described: dict[str, Any] = {"operationId": spec.operation_id, "summary": spec.summary}
    if spec.description:
        described["description"] = spec.description
    if spec.tags:
        described["tags"] = list(spec.tags)
    parameters = [*_path_parameters(rule, spec)]
    if spec.headers is not None:
        parameters += _model_parameters(spec.headers, "header")
    parameters += [
        {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
        for name in spec.optional_headers
    ]
    if spec.query is not None:
        parameters += _model_parameters(spec.query, "query")
    if parameters:
        described["parameters"] = parameters
    if spec.payload is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[spec.payload]}},
        }
    described["responses"] = {
        str(status): _answer_object(answer.description, answer.model, answer.headers, refs)
        for status, answer in spec.all_answers().items()
    }
    return described


def _answer_object(
    description: str,
    model: type[BaseModel] | None,
    headers: tuple[str, ...],
    refs: dict[type[BaseModel], dict[str, Any]],
) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if headers:
        answer["headers"] = {name: {"schema": {"type": "string"}} for name in headers}
    if model is not None:
        answer["content"] = {"application/json": {"schema": refs[model]}}
    return answer


def _path_parameters(rule: Rule, spec: Operation) -> list[dict[str, Any]]:
    parameters = []
    for match in _RULE_ARGUMENT.finditer(rule.rule):
        name = match["name"]
        parameter: dict[str, Any] = {
            "name": name,
            "in": "path",
            "required": True,
            "schema": dict(CONVERTER_SCHEMAS[match["converter"] or "default"]),
        }
        if name in spec.path_parameters:
            parameter["description"] = spec.path_parameters[name]
        parameters.append(parameter)
    return parameters


def _model_parameters(model: type[BaseModel], place: str) -> list[dict[str, Any]]:
    """The fields of a query or header model as OpenAPI parameters (``place``: query, header)."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=_Schemas)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        field_schema = dict(field_schema)
        description = field_schema.pop("description", None)
        field_schema.pop("default", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": place,
            "required": name in required,
            "schema": _without_null(field_schema),
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``X | None`` as a parameter's schema: ``X`` (a parameter left out is simply absent)."""
    options = [option for option in schema.get("anyOf", ()) if option != {"type": "null"}]
    if len(options) == 1 and len(schema["anyOf"]) == 2:
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        return {**options[0], **rest}
    return schema
