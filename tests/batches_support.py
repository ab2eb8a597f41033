"""Shared set-up of the batches tests: groups, cases, letters made directly (fast)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from marathon.cases.models import Case
from marathon.database import begin_write
from marathon.events.models import Group
from marathon.extensions import db
from marathon.letters.models import Letter

PASSWORD = "correct horse battery"


def make_group(name: str) -> int:
    """A group; returns its id."""
    begin_write()
    group = Group(name=name, town=name)
    db.session.add(group)
    db.session.commit()
    return group.id


def cases() -> list[Case]:
    """The loaded cases, in catalogue order."""
    return list(db.session.scalars(select(Case).order_by(Case.position, Case.id)))


def make_letters(
    count: int,
    *,
    case_ids: Iterable[int],
    kind: str = "appeal",
    language: str = "fr",
    paper: str = "a4",
    group_id: int | None = None,
    event_id: int | None = None,
    status: str = "written",
    body_lines: int = 3,
) -> list[int]:
    """``count`` letters spread over ``case_ids`` (round robin); returns their ids."""
    case_ids = list(case_ids)
    begin_write()
    letters = []
    for index in range(count):
        code = uuid.uuid4().hex[:8].upper()
        letter = Letter(
            code=f"{code[:4]}-{code[4:]}",
            idempotency_key=uuid.uuid4().hex,
            private_token=uuid.uuid4().hex,
            case_id=case_ids[index % len(case_ids)],
            kind=kind,
            language=language,
            paper=paper,
            group_id=group_id,
            event_id=event_id,
            sender_name=f"Volunteer {index}",
            sender_town="Lyon",
            sender_country="France",
            personal_sentence="Je pense à vous.",
            body="\n\n".join(f"Paragraphe {n} de la lettre {index}." for n in range(body_lines)),
            status=status,
        )
        db.session.add(letter)
        letters.append(letter)
    db.session.commit()
    return [letter.id for letter in letters]


def letter_codes(ids: list[int]) -> list[str]:
    """The codes of letters ``ids``, in that order."""
    found = dict(db.session.execute(select(Letter.id, Letter.code).where(Letter.id.in_(ids))).all())
    return [found[letter_id] for letter_id in ids]
