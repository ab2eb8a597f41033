"""The live board's JSON (``/events/<code>/board.json``), declared for the OpenAPI document.

:func:`marathon.board.queries.board_data` builds it; :mod:`marathon.api.openapi` describes it
from :class:`EventBoard` (and tests/test_openapi_schemathesis.py checks the answers against it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from marathon.api.operation import Answer, Operation
from marathon.api.schemas import AnswerBody, Count
from marathon.board.queries import LATEST_LETTERS


class BoardEvent(AnswerBody):
    """The event the board is for."""

    code: str
    title: str
    place: str | None
    goal: int | None
    open: bool


class BoardCase(AnswerBody):
    """One case's letters at the event."""

    id: int
    slug: str
    person: str
    total: Count
    online: Count
    handwritten: Count
    kinds: dict[str, Count]


class BoardLetter(AnswerBody):
    """One of the latest letters written at the event."""

    id: int
    name: str | None = Field(description="First name, only if the writer agreed.")
    case: str
    kind: str
    at: datetime


class EventBoard(AnswerBody):
    """Everything the projector's board shows: counts, and first names writers agreed to show."""

    event: BoardEvent
    total: Count
    goal: int | None
    percent: Annotated[int, Field(ge=0, le=100)] | None
    online: Count
    handwritten: Count
    kinds: dict[str, Count]
    cases: list[BoardCase]
    latest: list[BoardLetter] = Field(max_length=LATEST_LETTERS)


BOARD_OPERATION = Operation(
    operation_id="getEventBoard",
    summary="The live figures of an event (what its projector board shows)",
    description=(
        "Public and anonymous: counts, and the first names of writers who agreed to show them. "
        "Poll it every few seconds with `If-None-Match`: the answer is `304 Not Modified` (no "
        "body, two indexed queries) while nothing changed."
    ),
    tags=("events",),
    path_parameters={"code": "The event's join code (case and dashes ignored)."},
    optional_headers=("If-None-Match",),
    answers={
        200: Answer("The figures.", EventBoard, headers=("ETag",)),
        304: Answer("Nothing changed since the ETag sent."),
        404: Answer("No event has this code."),
    },
)
