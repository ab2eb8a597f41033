"""OpenAPI 3.1 fragments of the events package (merged into ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

PATHS: dict[str, Any] = {
    "/events/{code}/board.json": {
        "get": {
            "operationId": "getEventBoard",
            "summary": "The live figures of an event (what its projector board shows)",
            "description": (
                "Public and anonymous: counts, and the first names of writers who agreed to "
                "show them. Poll it every few seconds with `If-None-Match`: the answer is "
                "`304 Not Modified` (no body, two indexed queries) while nothing changed."
            ),
            "tags": ["events"],
            "parameters": [
                {
                    "name": "code",
                    "in": "path",
                    "required": True,
                    "description": "The event's join code (case and dashes ignored).",
                    "schema": {"type": "string", "maxLength": 20},
                },
                {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {
                    "description": "The figures.",
                    "headers": {"ETag": {"schema": {"type": "string"}}},
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/EventBoard"}}
                    },
                },
                "304": {"description": "Nothing changed since the ETag sent."},
                "404": {"description": "No event has this code."},
            },
        }
    }
}

_COUNT = {"type": "integer", "minimum": 0}

SCHEMAS: dict[str, Any] = {
    "EventBoard": {
        "type": "object",
        "required": ["event", "total", "online", "handwritten", "kinds", "cases", "latest"],
        "properties": {
            "event": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "title": {"type": "string"},
                    "place": {"type": ["string", "null"]},
                    "goal": {"type": ["integer", "null"]},
                    "open": {"type": "boolean"},
                },
            },
            "total": _COUNT,
            "goal": {"type": ["integer", "null"]},
            "percent": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "online": _COUNT,
            "handwritten": _COUNT,
            "kinds": {
                "type": "object",
                "properties": {"appeal": _COUNT, "card": _COUNT, "postcard": _COUNT},
            },
            "cases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "slug": {"type": "string"},
                        "person": {"type": "string"},
                        "total": _COUNT,
                        "online": _COUNT,
                        "handwritten": _COUNT,
                        "kinds": {"type": "object", "additionalProperties": _COUNT},
                    },
                },
            },
            "latest": {
                "type": "array",
                "maxItems": 8,
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {
                            "type": ["string", "null"],
                            "description": "First name, only if the writer agreed.",
                        },
                        "case": {"type": "string"},
                        "kind": {"type": "string"},
                        "at": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
    }
}
