"""One declaration per API endpoint: what it reads (checked here) and what it answers.

``@operation(...)`` on a view names the models of its headers, query string and JSON body
(:mod:`marathon.api.schemas`) and its answers. Before the view runs, each input is validated with
its model and the view receives the models (``headers=``, ``query=``, ``payload=``); a refusal is
answered here, as JSON in the reader's language. The same declaration is what
:mod:`marathon.api.openapi` turns into the OpenAPI document, so the document describes exactly
what the code checks (the way webargs' ``use_kwargs`` and apispec do it for Indico).

Refusals keep the API's shape, ``{"error": {"status", "message", "fields"}}``:

- a header or query parameter that is not valid: 400, the first problem as the message;
- a body that is not JSON, or JSON nested too deeply (:mod:`marathon.json_input`, read before
  any model sees it): 400;
- a body whose fields are missing, unknown or of the wrong type: 422, each field named.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from marathon.api.schemas import Error, ErrorDetail, Headers, JSONBody, Query
from marathon.json_input import JSONInputError, parse_json

View = TypeVar("View", bound=Callable[..., Any])

# The field a refusal of the whole body is filed under, and the one unknown fields are listed in.
WHOLE_BODY = "body"
UNKNOWN_FIELDS = "unknown"


@dataclass(frozen=True)
class Answer:
    """One documented answer: a status's meaning, its JSON model (if any) and its headers."""

    description: str
    model: type[BaseModel] | None = None
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    """An endpoint as the OpenAPI document describes it and as its inputs are checked."""

    operation_id: str
    summary: str
    answers: dict[int, Answer]
    description: str = ""
    tags: tuple[str, ...] = ()
    headers: type[Headers] | None = None
    query: type[Query] | None = None
    payload: type[JSONBody] | None = None
    path_parameters: dict[str, str] = field(default_factory=dict)
    # Headers documented but read by the view itself (If-None-Match of a conditional GET).
    optional_headers: tuple[str, ...] = ()

    def all_answers(self) -> dict[int, Answer]:
        """The declared answers plus the refusals this module gives for the declared inputs."""
        answers: dict[int, Answer] = {}
        bad_requests = []
        if self.headers is not None or self.query is not None:
            bad_requests.append("a header or query parameter is not valid")
        if self.payload is not None:
            bad_requests.append("the body is not JSON or is nested too deeply")
            answers[422] = Answer("A field is missing or not valid; `fields` says which", Error)
        if bad_requests:
            text = " or ".join(bad_requests)
            answers[400] = Answer(text[0].upper() + text[1:], Error)
        answers.update(self.answers)
        return dict(sorted(answers.items()))

    def models(self) -> Iterable[type[BaseModel]]:
        """Every model of a request body or an answer (the document's components)."""
        if self.payload is not None:
            yield self.payload
        for answer in self.all_answers().values():
            if answer.model is not None:
                yield answer.model


def operation(**declaration: Any) -> Callable[[View], View]:
    """Declare a view's inputs and answers (the fields of :class:`Operation`); check the inputs.

    The view is called with the validated models as ``headers=``, ``query=`` and ``payload=``
    (those declared), besides its URL arguments.
    """
    spec = Operation(**declaration)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(**arguments: Any) -> Any:
            inputs: dict[str, BaseModel] = {}
            try:
                if spec.headers is not None:
                    inputs["headers"] = _parameters(spec.headers, request.headers)
                if spec.query is not None:
                    inputs["query"] = _parameters(spec.query, request.args)
                if spec.payload is not None:
                    inputs["payload"] = _payload(spec.payload)
            except Refused as refused:
                return refused.answer
            return view(**arguments, **inputs)

        checked.api_operation = spec  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def operation_of(view: Callable[..., Any]) -> Operation | None:
    """The declaration of a view made with :func:`operation`, if any."""
    return getattr(view, "api_operation", None)


def api_error(status: int, message: str, fields: dict[str, str] | None = None) -> Any:
    """A JSON error with a message that says what to fix (and, per field, what is wrong)."""
    error = Error(error=ErrorDetail(status=status, message=message, fields=fields or {}))
    return jsonify(error.model_dump(exclude_defaults=True)), status


class Refused(Exception):
    """An input refused before the view runs; ``answer`` is the JSON error to send."""

    def __init__(self, answer: Any) -> None:
        super().__init__("refused")
        self.answer = answer


def _parameters(model: type[BaseModel], values: Any) -> BaseModel:
    """Headers or a query string: the declared names only; an empty value counts as left out.

    A required parameter left out is given as ``None``, so that a parameter with a validator of
    its own (the Idempotency-Key) explains itself whether it is missing or malformed.
    """
    given: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        value = values.get(key) or None
        if value is not None or info.is_required():
            given[key] = value
    try:
        return model.model_validate(given)
    except ValidationError as error:
        fields = refusals(error, model)
        raise Refused(api_error(400, next(iter(fields.values())), fields)) from None


def _payload(model: type[JSONBody]) -> BaseModel:
    """The JSON body, read with json_input's limits first, then validated field by field."""
    if not request.is_json:
        raise Refused(api_error(400, str(model.not_json_message)))
    try:
        document = parse_json(request.get_data(cache=True))
    except JSONInputError as error:
        raise Refused(api_error(400, str(error.message))) from None
    try:
        return model.model_validate(document)
    except ValidationError as error:
        fields = refusals(error, model)
        raise Refused(api_error(422, _("Some fields are missing or not valid."), fields)) from None


def refusals(error: ValidationError, model: type[BaseModel]) -> dict[str, str]:
    """Field name → what to fix, in the reader's language, for each problem pydantic found."""
    fields: dict[str, str] = {}
    unknown: list[str] = []
    for problem in error.errors(include_url=False):
        location = ".".join(str(part) for part in problem["loc"]) or WHOLE_BODY
        if problem["type"] == "extra_forbidden":
            unknown.append(location)
        else:
            fields.setdefault(location, _message(problem, model))
    if unknown:
        names = ", ".join(sorted(unknown))[:200]
        fields[UNKNOWN_FIELDS] = _("Unknown fields: %(names)s.", names=names)
    return fields


def _message(problem: Any, model: type[BaseModel]) -> str:
    kind = problem["type"]
    context = problem.get("ctx") or {}
    if kind == "value_error":  # our own validators (editions.parse_edition...) say it themselves
        return str(context.get("error", ""))
    if kind == "missing" or problem.get("input", "") is None:  # None: a parameter left out
        return _("This field is required.")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("Send a JSON object.")
    if kind in ("string_type", "string_unicode"):  # string_unicode: a lone surrogate
        return _("This must be text.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("This must be a whole number.")
    if kind in ("bool_type", "bool_parsing"):
        return _("This must be true or false.")
    if kind == "string_too_long":
        return _(
            "Please shorten this to %(limit)s characters or fewer.", limit=context["max_length"]
        )
    if kind == "literal_error":
        choices = _choices(model, str(problem["loc"][0])) if problem["loc"] else ()
        return _(
            "Please choose one of: %(choices)s.",
            choices=", ".join(json.dumps(choice, ensure_ascii=False) for choice in choices)
            or context.get("expected", ""),
        )
    return _("This value is not valid.")


@functools.cache
def _choices(model: type[BaseModel], name: str) -> tuple[Any, ...]:
    """The values a field may take, as the document lists them (its JSON schema's enum)."""
    schema = model.model_json_schema().get("properties", {}).get(name, {})
    for candidate in (schema, *schema.get("anyOf", ())):
        if "enum" in candidate:
            return tuple(candidate["enum"])
    return ()
