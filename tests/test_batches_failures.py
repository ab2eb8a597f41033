"""A letter that fails in a batch is named with its cause; the render pool keeps working.

The pool's per-letter error crosses the process boundary whole (it pickles), so one bad letter
no longer breaks the pool (``BrokenProcessPool``, its id and cause lost). The other letters are
rendered and kept; the batch then fails naming the letter and why (a batch prints all the
letters it was asked for, or none), and Retry renders only what failed.
"""

from __future__ import annotations

import errno
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from marathon.accounts.service import create_user
from marathon.batches import service
from marathon.batches.models import Batch
from marathon.batches.rendering import (
    POOL_THRESHOLD,
    LetterFailed,
    LettersFailed,
    cause_of,
    render_missing,
)
from marathon.extensions import db
from marathon.letters.models import Letter
from tests.batches_support import batch_files, make_case, make_letters
from tests.factories import PASSWORD

LETTERS = 30


# BATCH_RENDER_PROCESSES: a real pool, whatever the machine.
pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False, BATCH_RENDER_PROCESSES=2)


def _fail_in_child(letter_id: int) -> int:
    raise LetterFailed(letter_id, cause_of(OSError(errno.ENOSPC, "No space")), disk_full=True)


def test_a_letters_failure_survives_pickling_and_crossing_processes():
    failure = LetterFailed(7, "OSError ENOSPC: No space left on device", disk_full=True)
    again = pickle.loads(pickle.dumps(failure))
    assert type(again) is LetterFailed
    assert (again.letter_id, again.cause, again.disk_full) == (7, failure.cause, True)
    assert str(again) == "letter id 7: OSError ENOSPC: No space left on device"

    many = LettersFailed([failure, LetterFailed(9, "ValueError")])
    again_many = pickle.loads(pickle.dumps(many))
    assert again_many.letter_ids == [7, 9] and again_many.disk_full
    assert str(again_many) == str(many)
    assert "letter id 9: ValueError" in str(many)

    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        crossed = pool.submit(_fail_in_child, 12).exception(timeout=60)
    assert isinstance(crossed, LetterFailed)
    assert crossed.letter_id == 12 and crossed.disk_full
    assert crossed.cause == "OSError ENOSPC: No space left on device"


def _block(app, code: str) -> Path:
    """Make the letter's PDF impossible to store: a folder where its file goes."""
    blocked = Path(app.config["STORAGE_DIR"]) / "letters" / f"{code}.pdf"
    blocked.mkdir(parents=True)
    return blocked


def test_a_failing_letter_in_the_pool_is_named_and_the_others_are_rendered(app):
    with app.app_context():
        case = make_case("amina", "Amina Rakoto", authority="Ministry", card_to="Section")
        ids = make_letters(LETTERS, case_ids=[case])
        assert LETTERS >= POOL_THRESHOLD  # the pool renders them
        bad = ids[17]
        _block(app, db.session.get(Letter, bad).code)
        seen: list[int] = []
        with pytest.raises(LettersFailed) as raised:
            render_missing(ids, seen.append)
        assert raised.value.letter_ids == [bad]
        assert str(raised.value) == f"1 letter could not be rendered: letter id {bad}: " + (
            "IsADirectoryError EISDIR: Is a directory"
        )
        assert seen[-1] == LETTERS  # every letter was tried
        db.session.rollback()  # end this session's read: the pool's processes wrote since
        rendered = db.session.scalars(
            db.select(Letter.id).where(Letter.rendered_at.is_not(None))
        ).all()
        assert sorted(rendered) == sorted(set(ids) - {bad})


def test_a_batch_with_a_failing_letter_fails_naming_it_and_retry_renders_only_it(app, client):
    with app.app_context():
        case = make_case("amina", "Amina Rakoto", authority="Ministry", card_to="Section")
        create_user(email="a@example.org", name="A", password=PASSWORD, role="admin")
        ids = make_letters(LETTERS, case_ids=[case])
        bad = ids[5]
        blocked = _block(app, db.session.get(Letter, bad).code)
        with pytest.raises(LettersFailed):
            service.start_batch("letters", {}, "a4")  # eager: the job runs here
        batch = db.session.scalars(db.select(Batch)).one()
        assert batch.status == "failed"
        assert f"letter id {bad}: IsADirectoryError EISDIR: Is a directory" in batch.error
        assert "BrokenProcessPool" not in batch.error
        assert service.ready_file(batch) is None and not batch.files
        assert not list((Path(app.config["STORAGE_DIR"]) / "batches").iterdir())
        stamps = dict(
            db.session.execute(
                db.select(Letter.id, Letter.rendered_at).where(Letter.rendered_at.is_not(None))
            ).all()
        )
        assert sorted(stamps) == sorted(set(ids) - {bad}), "the other letters are kept"
        batch_id = batch.id

    client.post("/login", data={"email": "a@example.org", "password": PASSWORD})
    page = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert f"letter id {bad}: IsADirectoryError EISDIR" in page
    assert "The letters named below could not be made" in page

    blocked.rmdir()  # the cause is fixed
    assert client.post(f"/batches/{batch_id}/retry").status_code == 302
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        assert batch.status == "done", batch.error
        assert sorted(batch.letter_ids) == sorted(ids)
        assert len(batch_files(app, batch)) == 2
        after = dict(db.session.execute(db.select(Letter.id, Letter.rendered_at)).all())
        assert all(after[letter_id] == stamps[letter_id] for letter_id in stamps)
        assert after[bad] is not None  # only the letter that failed was rendered again


@pytest.mark.parametrize("letters", [5, LETTERS], ids=["here", "pool"])
def test_a_full_disk_stops_rendering_at_once_naming_the_letter_and_the_cause(
    app, monkeypatch, letters
):
    import marathon.batches.rendering as rendering

    def no_space(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    # Forked pool processes share this process's (patched) disk; a spawned one would not.
    monkeypatch.setattr(rendering.threading, "active_count", lambda: 1)
    with app.app_context():
        case = make_case("amina", "Amina Rakoto", authority="Ministry", card_to="Section")
        ids = make_letters(letters, case_ids=[case])
        seen: list[int] = []
        with pytest.raises(LettersFailed) as raised:
            render_missing(ids, seen.append)
    failed = raised.value
    assert failed.disk_full and failed.letter_ids
    assert set(failed.letter_ids) <= set(ids)
    assert all(
        failure.cause == "OSError ENOSPC: No space left on device" for failure in failed.failures
    )
    # Stopped: the letters not started were not attempted (a few were already on their way).
    assert len(seen) < len(ids)
    assert not list((Path(app.config["STORAGE_DIR"]) / "letters").iterdir())
