"""What ``/api/v1`` reads and what it answers, declared once as pydantic models.

A request model *is* the check of its input (:mod:`marathon.api.operation` validates every query
string, header and JSON body with it) and the OpenAPI description of that input
(:mod:`marathon.api.openapi` generates ``/api/v1/openapi.json`` from it). An answer model builds
the JSON the view sends and describes it. Limits and vocabularies come from their own homes
(kinds, paper sizes, the letter's limits, the edition's years), so the document, the check and
the rest of the application say the same thing.

Request models refuse what the API never takes (unknown fields, a number where text goes); what
depends on the database (does this case offer this kind in this language, does this group exist)
stays with the service that writes the letter.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from marathon.editions import EDITION_YEARS, parse_edition
from marathon.kinds import KIND_NAMES
from marathon.letters.models import PAPER_SIZES, WINDOW_SIDES
from marathon.letters.service import IDEMPOTENCY_KEY_PATTERN, LIMITS

LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def _language_code(raw: Any) -> Any:
    if not (isinstance(raw, str) and LANGUAGE_CODE.match(raw)):
        raise ValueError(
            _("The language must be two lowercase letters, like %(example)s.", example="fr")
        )
    return raw


IDEMPOTENCY_KEY_MESSAGE = _l(
    "Send an Idempotency-Key header: 8 to 80 letters, digits or - _ . : "
    "(a new random value per letter, the same one when you retry)."
)


def _idempotency_key(raw: Any) -> Any:
    # Missing and malformed alike get the message that says how to make one.
    if not (isinstance(raw, str) and IDEMPOTENCY_KEY_PATTERN.match(raw)):
        raise ValueError(str(IDEMPOTENCY_KEY_MESSAGE))
    return raw


# A year of EDITION_YEARS in ASCII digits (editions.parse_edition: the one rule for ?edition=).
Edition = Annotated[
    int, Field(ge=EDITION_YEARS[0], le=EDITION_YEARS[-1]), BeforeValidator(parse_edition)
]
LanguageCode = Annotated[str, Field(pattern=LANGUAGE_CODE.pattern), BeforeValidator(_language_code)]
IdempotencyKey = Annotated[
    str, Field(pattern=IDEMPOTENCY_KEY_PATTERN.pattern), BeforeValidator(_idempotency_key)
]
KindName = Literal[KIND_NAMES]  # type: ignore[valid-type]  (the tuple unpacks into the Literal)
Paper = Literal[PAPER_SIZES]  # type: ignore[valid-type]
Window = Literal[("", *WINDOW_SIDES)]  # type: ignore[valid-type]
Count = Annotated[int, Field(ge=0)]


# -- what the API reads ------------------------------------------------------------------------


class Query(BaseModel):
    """A query string: values are text and become numbers here; other parameters are ignored."""

    model_config = ConfigDict(extra="ignore")


class Headers(BaseModel):
    """The request headers an operation reads (by their HTTP names); others are ignored."""

    model_config = ConfigDict(extra="ignore")


class JSONBody(BaseModel):
    """A JSON request body: an object with exactly the declared fields, of exactly their types.

    ``null`` counts as a field left out (a required one is then missing).
    """

    model_config = ConfigDict(extra="forbid", strict=True)
    # What to say when the body is not sent as JSON at all (each body names what it carries).
    not_json_message: ClassVar[Any]

    @model_validator(mode="before")
    @classmethod
    def _null_is_left_out(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {name: value for name, value in data.items() if value is not None}
        return data


class CaseQuery(Query):
    """``?language=`` of one case."""

    language: LanguageCode | None = Field(
        None, description="Language of the texts (falls back to the case's first language)."
    )


class EditionQuery(Query):
    """``?edition=``: the edition's year."""

    edition: Edition | None = Field(
        None, description="The edition (a year); the current one when left out."
    )


class CasesQuery(CaseQuery, EditionQuery):
    """``?language=`` and ``?edition=`` of the list of cases."""


class LetterHeaders(Headers):
    """The key that makes a retry count once."""

    idempotency_key: IdempotencyKey = Field(
        alias="Idempotency-Key",
        description=(
            "A new random value per letter; the same value when retrying the same letter. A key "
            "is bound to the letter it was first sent with: with another letter, it writes that "
            "other letter."
        ),
    )


class LetterRequest(JSONBody):
    """A letter to write. A field sent as ``null`` counts as left out."""

    not_json_message: ClassVar[Any] = _l(
        "Send the letter as JSON (Content-Type: application/json)."
    )

    case: str = Field(description="The case's slug.")
    kind: KindName
    language: str = Field(description="One of the languages the case offers for this kind.")
    sender_name: str = Field(max_length=LIMITS["sender_name"])
    sender_town: str = Field("", max_length=LIMITS["sender_town"])
    sender_country: str = Field("", max_length=LIMITS["sender_country"])
    personal_sentence: str = Field("", max_length=LIMITS["personal_sentence"])
    body: str = Field(
        "",
        description=(
            "Plain text; left out or empty: the suggested text of the template. Its limit "
            "depends on the kind."
        ),
    )
    paper: Paper = "a4"
    window: Window = Field(
        "", description="The envelope's window side; empty: the section's envelopes."
    )
    event_code: str | None = Field(
        None, description="Count the letter for the open event with this join code."
    )
    group_id: int | None = Field(None, description="Count the letter for this group.")
    share_first_name: bool = Field(
        False, description="Show the writer's first name on the event's live board."
    )


# -- what the API answers ----------------------------------------------------------------------


class AnswerBody(BaseModel):
    """JSON the API sends: exactly the declared fields (a field not declared is a bug)."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(AnswerBody):
    """What went wrong, in the reader's language, and for which fields."""

    status: int
    message: str
    fields: dict[str, str] = Field(
        default_factory=dict, description="For each field refused, what to fix (left out: none)."
    )


class Error(AnswerBody):
    """Every error of the API: a message that says what to fix."""

    error: ErrorDetail


class CaseSummary(AnswerBody):
    """A case as the list shows it."""

    slug: str
    edition: int
    person: str
    country: str
    country_name: str
    themes: list[str]
    title: str
    summary: str
    text_language: str = Field(description="The language the texts are in (after fallback).")
    languages: list[str]
    kinds: dict[str, list[str]] = Field(
        description="For each kind offered, the languages it can be written in."
    )
    total: Count
    photo_url: str | None
    url: str
    write_url: str


class CaseOutcome(AnswerBody):
    """A dated event in a case's timeline."""

    date: date
    kind: str
    positive: bool
    note: str
    source_url: str | None


class CaseDetail(CaseSummary):
    """One case with its story, ask, card rules and outcomes."""

    story: str
    ask: str
    card_rules: str
    outcomes: list[CaseOutcome]


class CaseList(AnswerBody):
    """The cases of an edition."""

    edition: int
    cases: list[CaseSummary]


class CaseTotal(AnswerBody):
    """One case's letters (online and handwritten together)."""

    slug: str
    person: str
    total: Count


class Totals(AnswerBody):
    """An edition's letters, online and handwritten together, overall and per case."""

    edition: int = Field(examples=[2025])
    total: Count = Field(description="Every letter of the edition (online and handwritten).")
    cases: list[CaseTotal]


class Letter(AnswerBody):
    """A letter as the API shows it (no personal data beyond what its writer sent)."""

    code: str
    case: str
    kind: str
    language: str
    paper: str
    status: str
    event_id: int | None
    group_id: int | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    pdf_url: str
    private_url: str


class WrittenLetter(AnswerBody):
    """The letter written (or found again with its Idempotency-Key)."""

    letter: Letter


class OpenAPIDocument(AnswerBody):
    """This API's OpenAPI document."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
