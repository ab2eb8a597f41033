"""Jobs and logs carry ids, never a volunteer's name or town.

A letter is written and printed in a batch with every log record of "marathon" and "rq" kept at
DEBUG; then the same is done with RQ on Redis (database 15, a queue of this test's own), and the
jobs' arguments, description and stored data are read back from Redis.
"""

from __future__ import annotations

import logging
import uuid
import zlib
from typing import Any

import pytest
from flask import Flask

from marathon.extensions import db
from tests.safety_support import drop_test_queue
from tests.services import REDIS_TEST_URL

NAME = "Apolline Quetzalcoatl"
TOWN = "Saint-Zéphyrin-de-Courval"
COUNTRY = "Luxembourg"
SECRETS = (NAME, "Apolline", "Quetzalcoatl", TOWN)


def _draft(app: Flask) -> Any:
    from marathon.cases.models import Case
    from marathon.letters.service import LetterDraft

    case = db.session.query(Case).order_by(Case.position).first()
    return LetterDraft(
        case_slug=case.slug,
        kind="appeal",
        language=case.languages[0],
        sender_name=NAME,
        sender_town=TOWN,
        sender_country=COUNTRY,
        personal_sentence=f"{NAME} de {TOWN}",
        body="Madame, Monsieur,\n\nJe vous écris au sujet de cette personne.",
        paper="a4",
        share_first_name=True,
    )


def _write_and_print(app: Flask) -> tuple[Any, Any]:
    from marathon.batches.service import start_batch
    from marathon.letters.service import write_letter

    with app.app_context():
        letter, created = write_letter(_draft(app), idempotency_key=uuid.uuid4().hex)
        assert created
        batch = start_batch("letters", {}, "a4")
        return letter.id, batch.id


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_writing_and_printing_log_no_name_or_town(loaded_cases, caplog):
    app = loaded_cases
    for name in ("marathon", "rq", "flask", "werkzeug"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)
    _letter_id, batch_id = _write_and_print(app)
    with app.app_context():
        from marathon.batches.models import Batch

        assert db.session.get(Batch, batch_id).status == "done"
    assert caplog.records, "the batch job logs its progress"
    for record in caplog.records:
        text = f"{record.name} {record.getMessage()} {record.args!r} {record.exc_text or ''}"
        assert not _leaks(text), text


@pytest.fixture
def rq_app(loaded_cases) -> Any:
    app = loaded_cases
    queue = f"privacy-{uuid.uuid4().hex[:8]}"
    app.config.update(JOBS_EAGER=False, REDIS_URL=REDIS_TEST_URL, JOBS_QUEUE=queue)
    yield app
    drop_test_queue(app, REDIS_TEST_URL)


def _fresh_ids(app: Flask) -> None:
    """Start the letter and batch ids far from 1.

    Job ids ("letter-1", "batch-1") are the same in every app using this Redis: a job left by
    another test run would stand in for ours (and ours would not be queued).
    """
    import random

    from sqlalchemy import text

    from marathon.batches.models import Batch
    from marathon.cases.models import Case
    from marathon.letters.models import Letter

    start = random.randrange(10**8, 2 * 10**9)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            for table in ("letter", "batch"):
                db.session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                    {"t": table, "v": start},
                )
        else:  # SQLite gives max(id) + 1: a placeholder of each, already done
            case_id = db.session.query(Case.id).first()[0]
            db.session.add(
                Letter(
                    id=start,
                    code="PLACEHOLDER",
                    idempotency_key=uuid.uuid4().hex,
                    private_token=uuid.uuid4().hex,
                    case_id=case_id,
                    kind="appeal",
                    language="fr",
                    status="sent",
                )
            )
            db.session.add(
                Batch(id=start, product="letters", filters={}, filter_key="x", status="done")
            )
        db.session.commit()


def test_rq_jobs_take_integer_ids_only(rq_app, caplog):
    from redis import Redis
    from rq.job import Job

    app = rq_app
    caplog.set_level(logging.DEBUG)
    _fresh_ids(app)
    letter_id, batch_id = _write_and_print(app)
    connection = Redis.from_url(REDIS_TEST_URL)
    with app.app_context():
        from marathon.jobs import rq_queue

        job_ids = rq_queue(app).job_ids
    assert len(job_ids) == 2, job_ids  # the render sweep and the batch
    seen_ids = set()
    sweeps = 0
    for job_id in job_ids:
        job = Job.fetch(job_id, connection=connection)
        task, *ids = job.args
        assert isinstance(task, str) and task.startswith("marathon.")
        if job.func_name == "marathon.jobs.run_sweep":
            # A sweep carries only the task's path: it reads what is pending from the database.
            assert task == "marathon.letters.jobs.render_pending_letters" and not ids, job.args
            sweeps += 1
        else:
            assert ids and all(type(value) is int for value in ids), job.args
        assert not job.kwargs
        seen_ids.update(ids)
        assert not _leaks(job.description or "")
        stored = connection.hgetall(f"rq:job:{job_id}")
        for field, value in stored.items():
            raw = value
            if field == b"data":
                raw = zlib.decompress(value)
            for secret in SECRETS:
                assert secret.encode() not in raw, (field, secret)
    assert batch_id in seen_ids and sweeps == 1
    with app.app_context():
        from marathon.letters.models import Letter

        # What the sweep will render is in the database: the letter, waiting for its PDF.
        assert db.session.get(Letter, letter_id).rendered_at is None
    for record in caplog.records:
        assert not _leaks(f"{record.getMessage()} {record.args!r}")


def test_enqueue_refuses_anything_but_ids(app):
    from marathon.jobs import enqueue

    with app.app_context(), pytest.raises(TypeError):
        enqueue("marathon.letters.jobs.render_letter", NAME)  # type: ignore[arg-type]
