"""The JSON API (``/api/v1``): the write journey for sections that embed it in their website,
and the public counter's totals.

Every view declares what it reads and answers with :func:`marathon.api.operation.operation`: its
inputs arrive validated (the models of :mod:`marathon.api.schemas`), and the same declarations
make ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from marathon.api.counter import PUBLIC_MAX_AGE, public_totals_body
from marathon.api.openapi import cached_document
from marathon.api.operation import Answer, api_error, operation
from marathon.api.schemas import (
    CaseDetail,
    CaseList,
    CaseOutcome,
    CaseQuery,
    CasesQuery,
    CaseSummary,
    CaseTotal,
    EditionQuery,
    Error,
    Letter,
    LetterHeaders,
    LetterRequest,
    OpenAPIDocument,
    Totals,
    WrittenLetter,
)
from marathon.cases.service import get_case
from marathon.cases.service import list_cases as cases_of
from marathon.countries import country_name
from marathon.extensions import csrf, db
from marathon.groups.models import Group
from marathon.letters.context import throttle_writing
from marathon.letters.service import DraftError, LetterDraft, offered_languages, write_letter
from marathon.tally.service import case_totals

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)  # no cookies authenticate the API: nothing for a forged request to ride on

# Ids outside a database integer cannot exist (and would overflow the driver).
DATABASE_IDS = range(1, 2**31)


def _edition(query: EditionQuery) -> int:
    return query.edition if query.edition is not None else int(current_app.config["EDITION"])


def _language(query: CaseQuery) -> str:
    return query.language or current_app.config["DEFAULT_LOCALE"]


def _case_fields(case: Any, totals: dict[int, int], language: str) -> dict[str, Any]:
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


@blueprint.get("/cases")
@operation(
    operation_id="listCases",
    summary="The edition's cases, with their languages and kinds",
    query=CasesQuery,
    answers={200: Answer("The cases", CaseList)},
)
def list_cases(query: CasesQuery) -> Any:
    """The edition's cases with their languages and kinds."""
    edition = _edition(query)
    totals = case_totals(edition)
    language = _language(query)
    cases = [CaseSummary(**_case_fields(case, totals, language)) for case in cases_of(edition)]
    return jsonify(CaseList(edition=edition, cases=cases).model_dump(mode="json"))


@blueprint.get("/cases/<slug>")
@operation(
    operation_id="getCase",
    summary="One case: story, ask, card rules and outcomes",
    query=CaseQuery,
    answers={200: Answer("The case", CaseDetail), 404: Answer("No such case", Error)},
)
def case_detail(slug: str, query: CaseQuery) -> Any:
    """One case: story, ask, card rules, outcomes, in the requested language."""
    case = get_case(slug)
    if case is None or not case.active:
        return api_error(404, _("No case has the slug “%(slug)s”.", slug=slug[:80]))
    language = _language(query)
    _used, texts = case.text(language)
    detail = CaseDetail(
        **_case_fields(case, case_totals(case.edition), language),
        story=texts.get("story", ""),
        ask=texts.get("ask", ""),
        card_rules=texts.get("card_rules", ""),
        outcomes=[
            CaseOutcome(
                date=outcome.date,
                kind=outcome.kind,
                positive=outcome.positive,
                note=outcome.notes.get(language) or next(iter(outcome.notes.values()), ""),
                source_url=outcome.source_url,
            )
            for outcome in case.outcomes
        ],
    )
    return jsonify(detail.model_dump(mode="json"))


@blueprint.post("/letters")
@operation(
    operation_id="writeLetter",
    summary="Write a letter; a retry with the same Idempotency-Key is counted once",
    headers=LetterHeaders,
    payload=LetterRequest,
    answers={
        201: Answer("Written and counted", WrittenLetter),
        200: Answer(
            "This very letter was already written with this Idempotency-Key (not counted again)",
            WrittenLetter,
        ),
        400: Answer(
            "Missing Idempotency-Key, or a body that is not JSON or is nested too deeply", Error
        ),
        404: Answer("No such case", Error),
        422: Answer("A field is missing or not valid; `fields` says which", Error),
        429: Answer(
            "Too many letters from this address in a short time; Retry-After says how many "
            "seconds to wait",
            Error,
        ),
    },
)
def create_letter(headers: LetterHeaders, payload: LetterRequest) -> Any:
    """Write a letter; the same ``Idempotency-Key`` again returns the same letter, counted once."""
    limited = throttle_writing()
    if limited is not None:
        return limited
    if payload.group_id is not None and not _group_exists(payload.group_id):
        # An unknown id would break the foreign key (a 500): say what to fix instead.
        message = _("No group has this id: leave it out or use the id of one of the groups.")
        return api_error(422, _("The letter could not be written."), {"group_id": message})
    draft = LetterDraft(
        case_slug=payload.case,
        kind=payload.kind,
        language=payload.language,
        sender_name=payload.sender_name,
        sender_town=payload.sender_town,
        sender_country=payload.sender_country,
        personal_sentence=payload.personal_sentence,
        body=payload.body,
        paper=payload.paper,
        window=payload.window,
        share_first_name=payload.share_first_name,
    )
    try:
        letter, created = write_letter(
            draft,
            idempotency_key=f"api:{headers.idempotency_key}",
            group_id=payload.group_id,
            event_code=payload.event_code,
            suggest_body=True,
        )
    except DraftError as error:
        status = 404 if "case" in error.errors else 422
        return api_error(status, _("The letter could not be written."), error.errors)
    answer = WrittenLetter(letter=letter_answer(letter))
    return jsonify(answer.model_dump(mode="json")), 201 if created else 200


def _group_exists(group_id: int) -> bool:
    return group_id in DATABASE_IDS and db.session.get(Group, group_id) is not None


def letter_answer(letter: Any) -> Letter:
    """A letter as the API shows it (no personal data beyond what its writer sent)."""
    return Letter(
        code=letter.code,
        case=letter.case_slug,
        kind=letter.kind,
        language=letter.language,
        paper=letter.paper,
        status=letter.status,
        event_id=letter.event_id,
        group_id=letter.group_id,
        created_at=letter.created_at.isoformat(),
        pdf_url=url_for("letters.pdf", token=letter.private_token, _external=True),
        private_url=url_for("letters.private", token=letter.private_token, _external=True),
    )


@blueprint.get("/totals")
@operation(
    operation_id="getTotals",
    summary="The edition's totals, overall and per case",
    query=EditionQuery,
    answers={200: Answer("Totals", Totals)},
)
def totals(query: EditionQuery) -> Any:
    """The edition's totals: overall and per case (online and handwritten together)."""
    edition = _edition(query)
    per_case = case_totals(edition)
    cases = [
        CaseTotal(slug=case.slug, person=case.person, total=per_case.get(case.id, 0))
        for case in cases_of(edition)
    ]
    answer = Totals(edition=edition, total=sum(per_case.values()), cases=cases)
    return jsonify(answer.model_dump(mode="json"))


@blueprint.get("/public/totals")
@operation(
    operation_id="getPublicTotals",
    summary="Public totals of an edition (for counters on other websites)",
    description=(
        "Letters of the edition, online and handwritten together, per case and overall. "
        "Read-only and anonymous. Cacheable: `Cache-Control: public, max-age=30` and an `ETag`; "
        "send `If-None-Match` to get `304 Not Modified` when nothing changed. CORS: "
        "`Access-Control-Allow-Origin: *`, so a page on any site may fetch it."
    ),
    tags=("public",),
    query=EditionQuery,
    optional_headers=("If-None-Match",),
    answers={
        200: Answer(
            "The totals.",
            Totals,
            headers=("ETag", "Cache-Control", "Access-Control-Allow-Origin"),
        ),
        304: Answer("Not modified since the ETag sent in If-None-Match."),
    },
)
def public_totals(query: EditionQuery) -> Response:
    """Read-only public totals of an edition: cacheable, ETag/304, CORS for embedding."""
    body = public_totals_body(_edition(query))
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response.make_conditional(request)


@blueprint.get("/openapi.json")
@operation(
    operation_id="getOpenAPI",
    summary="This document: the OpenAPI 3.1 description of the API",
    answers={200: Answer("The document", OpenAPIDocument)},
)
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API, generated from the views' declarations."""
    return jsonify(cached_document(current_app))
