"""Letters are rendered in the background by sweeps: one run serves many letters written."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from marathon import jobs
from marathon.extensions import db
from marathon.letters.models import Letter
from tests.batches_support import cases, make_letters, start_worker
from tests.settings import Unique, own_queue


def _write(client: Any, name: str = "Ana Lopez", **fields: Any) -> dict:
    payload = {"case": "damisoa", "kind": "appeal", "language": "fr", "sender_name": name}
    payload.update(fields)
    response = client.post(
        "/api/v1/letters",
        data=json.dumps(payload),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["letter"]


def _rendered(app: Any) -> dict[str, bool]:
    with app.app_context():
        rows = db.session.execute(select(Letter.code, Letter.rendered_at, Letter.pdf_path)).all()
        storage = Path(app.config["STORAGE_DIR"])
        return {
            code: rendered_at is not None and bool(path) and (storage / path).is_file()
            for code, rendered_at, path in rows
        }


def _run_worker(app: Any) -> None:
    worker = start_worker(app, "--burst")
    assert worker.wait(timeout=300) == 0, (Path(app.instance_path) / "worker.log").read_text()


@pytest.mark.settings(own_queue(), RATELIMIT_PREFIX=Unique("sweep-", ":"))
class TestOnRedis:
    def test_many_letters_queue_one_sweep_and_a_worker_renders_them_all(self, loaded_cases):
        app = loaded_cases
        client = app.test_client()
        with app.app_context():
            queue = jobs.rq_queue()
        try:
            codes = [_write(client, f"Writer {n}")["code"] for n in range(5)]
            assert queue.count == 1, "five letters, one render sweep queued"
            assert _rendered(app) == dict.fromkeys(codes, False)

            _run_worker(app)
            assert _rendered(app) == dict.fromkeys(codes, True)

            # The sweep has run: the next letter asks for a new one, which renders it.
            later = _write(client, "Late Writer")["code"]
            assert queue.count == 1
            _run_worker(app)
            assert _rendered(app) == dict.fromkeys([*codes, later], True)
        finally:
            queue.empty()
            queue.delete(delete_jobs=True)


@pytest.mark.settings(JOBS_EAGER=False)
class TestInProcess:
    def test_letters_written_without_redis_are_rendered_in_the_background(self, loaded_cases):
        app = loaded_cases
        client = app.test_client()
        codes = [_write(client, f"Writer {n}")["code"] for n in range(4)]
        jobs.wait_for_jobs(timeout=120)
        assert _rendered(app) == dict.fromkeys(codes, True)


def test_a_letter_that_fails_to_render_does_not_stop_the_others(loaded_cases, monkeypatch, caplog):
    from marathon.letters import jobs as letter_jobs

    app = loaded_cases
    with app.app_context():
        broken, *others = make_letters(3, case_ids=[cases()[0].id])
        real_render = letter_jobs.render_letter

        def render_or_fail(letter_id: int) -> None:
            if letter_id == broken:
                raise RuntimeError("template exploded")
            real_render(letter_id)

        monkeypatch.setattr(letter_jobs, "render_letter", render_or_fail)
        with caplog.at_level(logging.ERROR):
            assert letter_jobs.render_pending_letters() == 2
        assert f"letter {broken} could not be rendered" in caplog.text
        db.session.rollback()
        rendered = {
            letter.id: letter.rendered_at is not None
            for letter in db.session.scalars(select(Letter))
        }
        assert rendered == {broken: False, **dict.fromkeys(others, True)}


def test_a_changed_case_is_never_answered_from_a_stale_cache(loaded_cases):
    from marathon.cases.models import Case

    app = loaded_cases
    client = app.test_client()
    _write(client, language="en")  # caches Damisoa's languages
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.slug == "damisoa"))
        case.texts = {lang: text for lang, text in case.texts.items() if lang != "en"}
        case.content_hash = "changed"  # what the loader sets when a case file changes
        db.session.commit()
    response = client.post(
        "/api/v1/letters",
        data=json.dumps(
            {"case": "damisoa", "kind": "appeal", "language": "en", "sender_name": "Ana"}
        ),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 422
    assert "language" in response.get_json()["error"]["fields"]


def test_a_new_template_file_is_offered_without_a_restart(app, tmp_path):
    import shutil

    from marathon.render.templating import template_languages

    folder = tmp_path / "templates"
    shutil.copytree(app.config["LETTER_TEMPLATES_DIR"], folder)
    app.config["LETTER_TEMPLATES_DIR"] = str(folder)
    with app.app_context():
        before = template_languages("postcard")
        assert "it" not in before
        (folder / "postcard" / "it.html").write_text((folder / "postcard" / "fr.html").read_text())
        assert template_languages("postcard") == [*before, "it"]


@pytest.mark.settings(JOBS_EAGER=False, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens
class TestRedisDown:
    def test_a_letter_is_saved_counted_and_downloadable_while_redis_is_down(
        self, loaded_cases, caplog
    ):
        from marathon.tally.service import case_total

        app = loaded_cases
        client = app.test_client()
        with caplog.at_level(logging.WARNING):
            letter = _write(client, "Ana Lopez")
        assert "Could not ask for the render" in caplog.text
        with app.app_context():
            case_id = db.session.scalar(select(Letter.case_id))
            assert case_total(case_id) == 1
        response = client.get(letter["pdf_url"].replace("http://localhost", ""))
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
