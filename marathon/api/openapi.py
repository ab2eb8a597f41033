"""The OpenAPI 3.1 description of ``/api/v1``, merged with the fragments of other packages."""

from __future__ import annotations

import importlib
from typing import Any

from marathon.kinds import KIND_NAMES

# Packages that describe public JSON endpoints of their own in ``<package>/openapi.py``.
FRAGMENT_MODULES = ("marathon.reports.openapi", "marathon.events.openapi")

ERROR = {"$ref": "#/components/schemas/Error"}
LANGUAGE_PARAMETER = {
    "name": "language",
    "in": "query",
    "required": False,
    "description": "Language of the texts (falls back to the case's first language).",
    "schema": {"type": "string", "pattern": "^[a-z]{2}$"},
}


# One rule for ``?edition=`` on every route (marathon.web.edition_arg): a year, else a 400.
EDITION_PARAMETER = {
    "name": "edition",
    "in": "query",
    "description": "The edition (a year); the current one when left out",
    "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _letter_response(description: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "required": ["letter"],
        "properties": {"letter": {"$ref": "#/components/schemas/Letter"}},
    }
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
    "CaseSummary": {
        "type": "object",
        "required": ["slug", "edition", "person", "country", "languages", "kinds", "total"],
        "properties": {
            "slug": {"type": "string"},
            "edition": {"type": "integer"},
            "person": {"type": "string"},
            "country": {"type": "string"},
            "country_name": {"type": "string"},
            "themes": {"type": "array", "items": {"type": "string"}},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "text_language": {"type": "string"},
            "languages": {"type": "array", "items": {"type": "string"}},
            "kinds": {
                "type": "object",
                "description": "For each kind offered, the languages it can be written in.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "total": {"type": "integer", "minimum": 0},
            "photo_url": {"type": ["string", "null"]},
            "url": {"type": "string"},
            "write_url": {"type": "string"},
        },
    },
    "CaseDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/CaseSummary"},
            {
                "type": "object",
                "properties": {
                    "story": {"type": "string"},
                    "ask": {"type": "string"},
                    "card_rules": {"type": "string"},
                    "outcomes": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "date": {"type": "string", "format": "date"},
                                "kind": {"type": "string"},
                                "positive": {"type": "boolean"},
                                "note": {"type": "string"},
                                "source_url": {"type": ["string", "null"]},
                            },
                        },
                    },
                },
            },
        ]
    },
    "LetterRequest": {
        "type": "object",
        "required": ["case", "kind", "language", "sender_name"],
        "additionalProperties": False,
        "properties": {
            "case": {"type": "string", "description": "The case's slug."},
            "kind": {"type": "string", "enum": list(KIND_NAMES)},
            "language": {"type": "string"},
            "sender_name": {"type": "string", "maxLength": 80},
            "sender_town": {"type": "string", "maxLength": 80},
            "sender_country": {"type": "string", "maxLength": 80},
            "personal_sentence": {"type": "string", "maxLength": 400},
            "body": {
                "type": "string",
                "description": "Plain text; omitted: the suggested text of the template.",
            },
            "paper": {"type": "string", "enum": ["a4", "letter"]},
            "window": {
                "type": "string",
                "enum": ["", "left", "right"],
                "description": "The envelope's window side; empty: the section's envelopes.",
            },
            "event_code": {"type": "string"},
            "group_id": {"type": "integer"},
            "share_first_name": {"type": "boolean"},
        },
    },
    "Letter": {
        "type": "object",
        "required": ["code", "case", "kind", "language", "pdf_url", "private_url"],
        "properties": {
            "code": {"type": "string"},
            "case": {"type": "string"},
            "kind": {"type": "string"},
            "language": {"type": "string"},
            "paper": {"type": "string"},
            "status": {"type": "string"},
            "event_id": {"type": ["integer", "null"]},
            "group_id": {"type": ["integer", "null"]},
            "created_at": {"type": "string"},
            "pdf_url": {"type": "string"},
            "private_url": {"type": "string"},
        },
    },
    "Totals": {
        "type": "object",
        "required": ["edition", "total", "cases"],
        "properties": {
            "edition": {"type": "integer"},
            "total": {"type": "integer"},
            "cases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "slug": {"type": "string"},
                        "person": {"type": "string"},
                        "total": {"type": "integer"},
                    },
                },
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/cases": {
        "get": {
            "operationId": "listCases",
            "summary": "The edition's cases, with their languages and kinds",
            "parameters": [
                LANGUAGE_PARAMETER,
                EDITION_PARAMETER,
            ],
            "responses": {
                "200": {
                    "description": "The cases",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "edition": {"type": "integer"},
                                    "cases": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/CaseSummary"},
                                    },
                                },
                            }
                        }
                    },
                },
                "400": _error_response("The edition is not a year"),
            },
        }
    },
    "/api/v1/cases/{slug}": {
        "get": {
            "operationId": "getCase",
            "summary": "One case: story, ask, card rules and outcomes",
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                LANGUAGE_PARAMETER,
            ],
            "responses": {
                "200": {
                    "description": "The case",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/CaseDetail"}}
                    },
                },
                "404": _error_response("No such case"),
            },
        }
    },
    "/api/v1/letters": {
        "post": {
            "operationId": "writeLetter",
            "summary": "Write a letter; a retry with the same Idempotency-Key is counted once",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "description": (
                        "A new random value per letter; the same value when retrying the same "
                        "letter. A key is bound to the letter it was first sent with: with "
                        "another letter, it writes that other letter."
                    ),
                    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,80}$"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/LetterRequest"}}
                },
            },
            "responses": {
                "201": _letter_response("Written and counted"),
                "200": _letter_response(
                    "This very letter was already written with this Idempotency-Key "
                    "(not counted again)"
                ),
                "400": _error_response(
                    "Missing Idempotency-Key, or a body that is not JSON or is nested too deeply"
                ),
                "404": _error_response("No such case"),
                "422": _error_response("A field is missing or not valid; `fields` says which"),
                "429": _error_response(
                    "Too many letters from this address in a short time; Retry-After says "
                    "how many seconds to wait"
                ),
            },
        }
    },
    "/api/v1/totals": {
        "get": {
            "operationId": "getTotals",
            "summary": "The edition's totals, overall and per case",
            "parameters": [EDITION_PARAMETER],
            "responses": {
                "200": {
                    "description": "Totals",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Totals"}}
                    },
                },
                "400": _error_response("The edition is not a year"),
            },
        }
    },
}


def openapi_document() -> dict[str, Any]:
    """The whole document: this module's paths plus every package's fragment."""
    paths = dict(PATHS)
    schemas = dict(SCHEMAS)
    for module_name in FRAGMENT_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name != module_name:
                raise
            continue
        paths.update(getattr(module, "PATHS", {}))
        schemas.update(getattr(module, "SCHEMAS", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Marathon API",
            "version": "1",
            "description": (
                "Cases, letters and totals of Amnesty International's letter-writing marathon, "
                "for sections that embed the action in their own website. Errors are JSON "
                "objects with a message that says what to fix."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
