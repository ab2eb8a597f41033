"""Shared set-up of the batches tests: groups, cases, letters made directly (fast)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from marathon.cases.models import Case
from marathon.database import begin_write
from marathon.events.models import Group
from marathon.extensions import db
from marathon.letters.models import Letter

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


def start_worker(app, *extra: str) -> subprocess.Popen:
    """``flask marathon worker`` on the app's queue, in its own process (as in production)."""
    from services import REDIS_TEST_URL

    env = {
        **os.environ,
        "MARATHON_DATABASE_URL": app.config["DATABASE_URL"],
        "MARATHON_INSTANCE_PATH": app.instance_path,
        "MARATHON_STORAGE_DIR": app.config["STORAGE_DIR"],
        "MARATHON_REDIS_URL": REDIS_TEST_URL,
        "MARATHON_SECRET_KEY": "test-secret",
        "MARATHON_CASES_DIR": app.config["CASES_DIR"],
    }
    return subprocess.Popen(
        [FLASK, "--app", "app", "marathon", "worker", "--queues", app.config["JOBS_QUEUE"], *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(app.instance_path) / "worker.log", "ab"),
        start_new_session=True,
    )


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
