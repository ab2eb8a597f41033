"""What the safety and privacy tests share: payloads, and sweeps over every route of the app."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import func, literal, select, union_all
from werkzeug.routing.converters import AnyConverter

from marathon.extensions import db

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, ATTRIBUTE)
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


# Logging in and out (which the sweeps do between requests) opens and closes these rows.
SESSION_TABLES = frozenset({"login_session"})


def row_counts() -> dict[str, int]:
    """The number of rows of every table but the login sessions' (inside an app context)."""
    tables = [table for table in db.metadata.sorted_tables if table.name not in SESSION_TABLES]
    query = union_all(
        *(
            select(literal(t.name).label("name"), func.count().label("n")).select_from(t)
            for t in tables
        )
    )
    counts = {name: n for name, n in db.session.execute(query)}
    db.session.rollback()
    return counts


def rule_urls(app: Flask, rule: Any, arguments: dict[str, Any], **query: Any) -> list[str]:
    """The URLs of ``rule`` with its arguments filled (one per ``any(...)`` choice)."""
    choices: list[dict[str, Any]] = [{}]
    for name in sorted(rule.arguments):
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            values = sorted(converter.items)
        elif name in arguments:
            values = [arguments[name]]
        else:
            pytest.fail(
                f"No value for {name!r} of {rule.endpoint} ({rule.rule}): add one to the "
                "world's objects (tests/factories.py, _objects)"
            )
        choices = [{**chosen, name: value} for chosen in choices for value in values]
    with app.test_request_context():
        return [url_for(rule.endpoint, **chosen, **query) for chosen in choices]


FIELD_NAME = re.compile(r"<(?:input|textarea|select)\b[^>]*\bname=\"([^\"]+)\"", re.IGNORECASE)


def form_fields(html: str) -> list[str]:
    """The names of the fields of the forms of a page (CSRF token left out)."""
    names = dict.fromkeys(FIELD_NAME.findall(html))
    names.pop("csrf_token", None)
    return list(names)


def has_message(response: Any) -> bool:
    """An error answer says something: JSON ``error.message`` or a page with text."""
    if response.is_json:
        payload = response.get_json(silent=True) or {}
        error = payload.get("error") if isinstance(payload, dict) else None
        return isinstance(error, dict) and bool(error.get("message"))
    text = response.get_data(as_text=True)
    return "<html" in text.lower() and len(re.sub(r"<[^>]+>", "", text).strip()) > 40


def drop_test_queue(app: Flask, redis_url: str) -> None:
    """Delete the jobs of the app's own queue and the queue (job ids are shared by every app)."""
    from redis import Redis

    from marathon.jobs import rq_queue

    connection = Redis.from_url(redis_url)
    with app.app_context():
        queue = rq_queue(app)
        for job_id in queue.job_ids:
            connection.delete(f"rq:job:{job_id}", f"rq:job:{job_id}:dependents")
        name = queue.name
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)
