"""The JSON API (``/api/v1``): the write journey for sections that embed it in their website."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from marathon.api.openapi import openapi_document
from marathon.countries import country_name
from marathon.extensions import csrf
from marathon.json_input import JSONInputError, parse_json
from marathon.letters.service import (
    IDEMPOTENCY_KEY_PATTERN,
    DraftError,
    LetterDraft,
    offered_languages,
    write_letter,
)
from marathon.web import edition_arg

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)  # no cookies authenticate the API: nothing for a forged request to ride on

LETTER_FIELDS = {
    "case": str,
    "kind": str,
    "language": str,
    "sender_name": str,
    "sender_town": str,
    "sender_country": str,
    "personal_sentence": str,
    "body": str,
    "paper": str,
    "window": str,
    "event_code": str,
    "group_id": int,
    "share_first_name": bool,
}
REQUIRED_LETTER_FIELDS = ("case", "kind", "language", "sender_name")


def api_error(status: int, message: str, fields: dict[str, str] | None = None) -> Any:
    """A JSON error with a message that says what to fix."""
    payload: dict[str, Any] = {"status": status, "message": message}
    if fields:
        payload["fields"] = fields
    return jsonify({"error": payload}), status


def _case_summary(case: Any, totals: dict[int, int], language: str) -> dict[str, Any]:
    used, texts = case.text(language)
    return {
        "slug": case.slug,
        "edition": case.edition,
        "person": case.person,
        "country": case.country,
        "country_name": country_name(case.country, language),
        "themes": list(case.themes or []),
        "title": texts.get("title", ""),
        "summary": texts.get("summary", ""),
        "text_language": used,
        "languages": case.languages,
        "kinds": {kind: offered_languages(case, kind) for kind in case.kinds},
        "total": totals.get(case.id, 0),
        "photo_url": url_for("cases.photo", slug=case.slug, _external=True) if case.photo else None,
        "url": url_for("cases.detail", slug=case.slug, _external=True),
        "write_url": url_for("letters.write", slug=case.slug, _external=True),
    }


def _language() -> str:
    requested = request.args.get("language", "")
    return requested or current_app.config["DEFAULT_LOCALE"]


@blueprint.get("/cases")
def list_cases() -> Any:
    """The current edition's cases with their languages and kinds."""
    from marathon.cases.service import list_cases as cases_of
    from marathon.tally.service import case_totals

    edition = edition_arg()
    totals = case_totals(edition)
    language = _language()
    cases = [_case_summary(case, totals, language) for case in cases_of(edition)]
    return jsonify({"edition": edition, "cases": cases})


@blueprint.get("/cases/<slug>")
def case_detail(slug: str) -> Any:
    """One case: story, ask, card rules, outcomes, in the requested language."""
    from marathon.cases.service import get_case
    from marathon.tally.service import case_totals

    case = get_case(slug)
    if case is None or not case.active:
        return api_error(404, _("No case has the slug “%(slug)s”.", slug=slug[:80]))
    language = _language()
    data = _case_summary(case, case_totals(case.edition), language)
    _used, texts = case.text(language)
    data.update(
        story=texts.get("story", ""),
        ask=texts.get("ask", ""),
        card_rules=texts.get("card_rules", ""),
        outcomes=[
            {
                "date": outcome.date.isoformat(),
                "kind": outcome.kind,
                "positive": outcome.positive,
                "note": outcome.notes.get(language) or next(iter(outcome.notes.values()), ""),
                "source_url": outcome.source_url,
            }
            for outcome in case.outcomes
        ],
    )
    return jsonify(data)


def _parse_letter_payload(payload: Any) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    if not isinstance(payload, dict):
        return {}, {"body": _("Send a JSON object.")}
    values: dict[str, Any] = {}
    for name, expected in LETTER_FIELDS.items():
        if name not in payload or payload[name] is None:
            continue
        value = payload[name]
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
            errors[name] = _("This must be a whole number.")
        elif expected is bool and not isinstance(value, bool):
            errors[name] = _("This must be true or false.")
        elif expected is str and not isinstance(value, str):
            errors[name] = _("This must be text.")
        else:
            values[name] = value
    for name in REQUIRED_LETTER_FIELDS:
        if name not in values and name not in errors:
            errors[name] = _("This field is required.")
    unknown = sorted(set(payload) - set(LETTER_FIELDS))
    if unknown:
        errors["unknown"] = _("Unknown fields: %(names)s.", names=", ".join(unknown)[:200])
    return values, errors


@blueprint.post("/letters")
def create_letter() -> Any:
    """Write a letter; the same ``Idempotency-Key`` again returns the same letter, counted once."""
    from marathon.letters.context import throttle_writing

    key = request.headers.get("Idempotency-Key", "")
    if not IDEMPOTENCY_KEY_PATTERN.match(key):
        return api_error(
            400,
            _(
                "Send an Idempotency-Key header: 8 to 80 letters, digits or - _ . : "
                "(a new random value per letter, the same one when you retry)."
            ),
        )
    if not request.is_json:
        return api_error(400, _("Send the letter as JSON (Content-Type: application/json)."))
    try:
        payload = parse_json(request.get_data(cache=True))
    except JSONInputError as error:
        return api_error(400, str(error.message))
    values, errors = _parse_letter_payload(payload)
    if errors:
        return api_error(422, _("Some fields are missing or not valid."), errors)
    limited = throttle_writing()
    if limited is not None:
        return limited
    problem = _group_problem(values)
    if problem is not None:
        return problem
    draft = LetterDraft(
        case_slug=values["case"],
        kind=values["kind"],
        language=values["language"],
        sender_name=values["sender_name"],
        sender_town=values.get("sender_town", ""),
        sender_country=values.get("sender_country", ""),
        personal_sentence=values.get("personal_sentence", ""),
        body=values.get("body") or "",
        paper=values.get("paper", "a4"),
        window=values.get("window", ""),
        share_first_name=values.get("share_first_name", False),
    )
    try:
        letter, created = write_letter(
            draft,
            idempotency_key=f"api:{key}",
            group_id=values.get("group_id"),
            event_code=values.get("event_code"),
            suggest_body=True,
        )
    except DraftError as error:
        status = 404 if "case" in error.errors else 422
        return api_error(status, _("The letter could not be written."), error.errors)
    return jsonify({"letter": letter_json(letter)}), 201 if created else 200


def _group_problem(values: dict[str, Any]) -> Any:
    group_id = values.get("group_id")
    if group_id is not None and not _group_exists(group_id):
        # An unknown id would break the foreign key (a 500): say what to fix instead.
        message = _("No group has this id: leave it out or use the id of one of the groups.")
        return api_error(422, _("The letter could not be written."), {"group_id": message})
    return None


def _group_exists(group_id: int) -> bool:
    from marathon.events.models import Group
    from marathon.extensions import db

    # Ids outside a database integer cannot exist (and would overflow the driver).
    return 0 < group_id < 2**31 and db.session.get(Group, group_id) is not None


def letter_json(letter: Any) -> dict[str, Any]:
    """A letter as the API shows it (no personal data beyond what its writer sent)."""
    return {
        "code": letter.code,
        "case": letter.case_slug,
        "kind": letter.kind,
        "language": letter.language,
        "paper": letter.paper,
        "status": letter.status,
        "event_id": letter.event_id,
        "group_id": letter.group_id,
        "created_at": letter.created_at.isoformat(),
        "pdf_url": url_for("letters.pdf", token=letter.private_token, _external=True),
        "private_url": url_for("letters.private", token=letter.private_token, _external=True),
    }


@blueprint.get("/totals")
def totals() -> Any:
    """The edition's totals: overall and per case (online and handwritten together)."""
    from marathon.cases.service import list_cases as cases_of
    from marathon.tally.service import case_totals

    edition = edition_arg()
    per_case = case_totals(edition)
    cases = [
        {"slug": case.slug, "person": case.person, "total": per_case.get(case.id, 0)}
        for case in cases_of(edition)
    ]
    return jsonify({"edition": edition, "total": sum(per_case.values()), "cases": cases})


@blueprint.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
