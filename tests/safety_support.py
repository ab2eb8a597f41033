"""Shared set-up of the safety and privacy tests: one of everything a URL may name; sweeps."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, literal, select, union_all
from werkzeug.routing.converters import AnyConverter

from marathon.extensions import db

PASSWORD = "correct horse battery"
ADMIN_EMAIL = "admin@example.org"
SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, ATTRIBUTE)
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Settings of a test app that takes many requests from one client quickly.
FAST_CONFIG = {
    "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    "LOGIN_RATE_LIMIT": "100000/60",
    "WRITE_RATE_LIMIT": 100000,
    "API_WRITE_RATE_LIMIT": 1000000,
    "DEFAULT_LOCALE": "en",
}


def make_world(app: Flask) -> dict[str, Any]:
    """Groups, an open event, a letter, a hand count, a batch, an import, users; URL arguments.

    Needs the cases loaded (``loaded_cases``): the write journey uses a real case.
    """
    from marathon.accounts.service import create_user
    from marathon.batches.models import Batch
    from marathon.cases.models import Case, Outcome
    from marathon.events.models import Event, HandCount
    from marathon.groups.models import Group
    from marathon.letters.models import Letter
    from marathon.reports.models import ReportImport

    with app.app_context():
        case = db.session.scalars(
            select(Case).where(Case.edition == app.config["EDITION"]).order_by(Case.position)
        ).first()
        assert case is not None, "load the cases first"
        group = Group(name="Groupe A", town="Lyon")
        db.session.add(group)
        db.session.flush()
        now = datetime.now(UTC)
        event = Event(
            group_id=group.id,
            edition=app.config["EDITION"],
            title="Marathon A",
            place="Salle",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=5),
            goal=100,
            join_code="SAFETYA",
        )
        db.session.add(event)
        db.session.flush()
        outcome = Outcome(case_id=case.id, date=date(2025, 1, 2), kind="released")
        batch = Batch(product="letters", filters={}, filter_key="safety", group_id=group.id)
        count = HandCount(
            case_id=case.id, event_id=event.id, group_id=group.id, kind="letter", quantity=3
        )
        imported = ReportImport(report_uid="safety-report", group_id=group.id, checksum="x")
        letter = Letter(
            code="SAFE-0001",
            idempotency_key=uuid.uuid4().hex,
            private_token="safety-private-token-" + uuid.uuid4().hex,
            case_id=case.id,
            kind="appeal",
            language=case.languages[0],
            event_id=event.id,
            group_id=group.id,
            sender_name="Zoé Martin",
            sender_town="Villeurbanne",
            sender_country="France",
            body="Madame, Monsieur,",
        )
        db.session.add_all([outcome, batch, count, imported, letter])
        db.session.commit()
        arguments: dict[str, Any] = {
            "group_id": group.id,
            "event_id": event.id,
            "code": event.join_code,
            "join_code": event.join_code,
            "event_code": event.join_code,
            "batch_id": batch.id,
            "index": 0,  # a batch's print file
            "hand_count_id": count.id,
            "entry_id": count.id,
            "import_id": imported.id,
            "report_import_id": imported.id,
            "letter_id": letter.id,
            "case_id": case.id,
            "slug": case.slug,
            "case_slug": case.slug,
            "outcome_id": outcome.id,
            "token": letter.private_token,
            "filename": "site.css",
        }
        world = {
            "arguments": arguments,
            "case_slug": case.slug,
            "case_language": case.languages[0],
            "case_kind": case.kinds[0],
            "group_id": group.id,
            "event_id": event.id,
            "letter_id": letter.id,
        }
    with app.app_context():
        create_user(email=ADMIN_EMAIL, name="Ada", password=PASSWORD, role="admin")
        arguments["user_id"] = create_user(
            email="target@example.org",
            name="Target",
            password=PASSWORD,
            role="coordinator",
            group_id=world["group_id"],
        ).id
        # A link for the reset and invitation pages: any token will do, they must refuse it.
        arguments["token"] = arguments["token"]
    return world


def login_admin(client: FlaskClient) -> None:
    """Log in as the admin through the real form (CSRF disabled by the test module)."""
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


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
        else:
            values = [arguments[name]]
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
