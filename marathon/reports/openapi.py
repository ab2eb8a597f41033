"""OpenAPI 3.1 fragments of the reports package (merged into ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

PATHS: dict[str, Any] = {
    "/api/v1/public/totals": {
        "get": {
            "operationId": "getPublicTotals",
            "summary": "Public totals of an edition (for counters on other websites)",
            "description": (
                "Letters of the edition, online and handwritten together, per case and overall. "
                "Read-only and anonymous. Cacheable: `Cache-Control: public, max-age=30` and an "
                "`ETag`; send `If-None-Match` to get `304 Not Modified` when nothing changed. "
                "CORS: `Access-Control-Allow-Origin: *`, so a page on any site may fetch it."
            ),
            "tags": ["public"],
            "parameters": [
                {
                    "name": "edition",
                    "in": "query",
                    "required": False,
                    "description": "The edition's year (default: the current edition).",
                    "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
                },
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string"},
                },
            ],
            "responses": {
                "200": {
                    "description": "The totals.",
                    "headers": {
                        "ETag": {"schema": {"type": "string"}},
                        "Cache-Control": {"schema": {"type": "string"}},
                        "Access-Control-Allow-Origin": {"schema": {"type": "string"}},
                    },
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/PublicTotals"}
                        }
                    },
                },
                "304": {"description": "Not modified since the ETag sent in If-None-Match."},
                "400": {
                    "description": "The edition is not a year.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
    }
}

SCHEMAS: dict[str, Any] = {
    "PublicTotals": {
        "type": "object",
        "required": ["edition", "total", "cases"],
        "properties": {
            "edition": {"type": "integer", "examples": [2025]},
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "Every letter of the edition (online and handwritten).",
            },
            "cases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["slug", "person", "total"],
                    "properties": {
                        "slug": {"type": "string"},
                        "person": {"type": "string"},
                        "total": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    }
}
