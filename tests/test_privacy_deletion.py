"""Deleted is gone: a letter its writer deletes leaves no PDF (even one a render finishes after
the deletion) and no print file holding it (those batches are withdrawn, the coordinator told on
the batch page, and rebuilt without it); the purge sweeps what a deletion cut short left."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from marathon.accounts.service import create_user
from marathon.batches import service
from marathon.batches.models import Batch
from marathon.extensions import db
from marathon.letters.content import letter_content
from marathon.letters.jobs import render_letter
from marathon.letters.models import Letter
from marathon.letters.storage import LetterGone, store_letter_pdf
from marathon.privacy.service import erase_letter, purge_expired
from marathon.render.letters import render_letter_pdf
from marathon.storage import write_atomically
from tests.batches_support import batch_files, make_case, make_letters, page_texts
from tests.factories import PASSWORD, make_group

DELETED_NAME = "Zoé Effacée"


# RETENTION_DAYS: no letter here reaches its retention's end.
pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False, RETENTION_DAYS=36500)


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """A group's coordinator, a case, three appeal letters; the second one's writer deletes it."""
    with app.app_context():
        group = make_group(app, "Lyon", "Lyon")
        case = make_case("amina", "Amina Rakoto", authority="Rabe Ministry", card_to="Section")
        create_user(
            email="c@example.org", name="C", password=PASSWORD, role="coordinator", group_id=group
        )
        ids = make_letters(3, case_ids=[case], group_id=group)
        letters = [db.session.get(Letter, letter_id) for letter_id in ids]
        letters[1].sender_name = DELETED_NAME
        db.session.commit()
        return {
            "group": group,
            "case": case,
            "ids": ids,
            "codes": [letter.code for letter in letters],
            "token": letters[1].private_token,
            "deleted": ids[1],
        }


def _pdf_path(app: Flask, code: str) -> Path:
    return Path(app.config["STORAGE_DIR"]) / "letters" / f"{code}.pdf"


def _letter_files(app: Flask, code: str) -> list[Path]:
    folder = Path(app.config["STORAGE_DIR"]) / "letters"
    return sorted(path for path in folder.glob(f"*{code}*")) if folder.is_dir() else []


def _all_text(app: Flask, batch: Batch) -> str:
    return "\n".join(text for _entry, data in batch_files(app, batch) for text in page_texts(data))


def test_deleting_a_letter_withdraws_the_batch_holding_it_and_rebuilding_leaves_it_out(
    app, client, world, auth
):
    with app.app_context():
        batch = service.start_batch("letters", {"group_id": world["group"]}, "a4")
        db.session.refresh(batch)
        assert batch.status == "done", batch.error
        assert DELETED_NAME in _all_text(app, batch)
        batch_id, files = batch.id, len(batch.files)
        zip_path = Path(app.config["STORAGE_DIR"]) / batch.file_path
    auth.login("c@example.org")
    assert client.get(f"/batches/{batch_id}/files/1").status_code == 200

    # The writer deletes the letter from their private link (another browser, no login).
    volunteer = app.test_client()
    assert volunteer.post(f"/letters/{world['token']}/delete").status_code == 302

    assert not zip_path.exists(), "the print files holding the deleted letter must be gone"
    assert not _letter_files(app, world["codes"][1])
    for url in (
        f"/batches/{batch_id}/download",
        *(f"/batches/{batch_id}/files/{index}" for index in range(files)),
    ):
        response = client.get(url)
        assert response.status_code == 410, url
        assert "deleted by its writer" in response.get_data(as_text=True)
    page = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "1 letter in them was deleted by its writer" in page
    assert "Rebuild the batch to print the 2 letters that remain." in page
    assert f'action="/batches/{batch_id}/reprint"' in page
    assert "Rebuild without the deleted letters" in page
    assert f'href="/batches/{batch_id}/files/' not in page  # no download link
    assert "files withdrawn" in client.get("/batches/").get_data(as_text=True)
    with app.app_context():
        assert client.get(f"/batches/{batch_id}/status.json").get_json()["withdrawn"] == "deleted"
        withdrawn = db.session.get(Batch, batch_id)
        assert withdrawn.status == "done" and len(withdrawn.letter_ids) == 3  # history stays

    rebuilt = client.post(f"/batches/{batch_id}/reprint")
    assert rebuilt.status_code == 302
    rebuilt_id = int(rebuilt.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert rebuilt_id != batch_id
    with app.app_context():
        again = db.session.get(Batch, rebuilt_id)
        assert again.status == "done", again.error
        assert again.letter_ids == [world["ids"][0], world["ids"][2]]
        text = _all_text(app, again)
    assert DELETED_NAME not in text and world["codes"][1] not in text
    assert world["codes"][0] in text and world["codes"][2] in text
    for index in range(len(again.files)):
        assert client.get(f"/batches/{rebuilt_id}/files/{index}").status_code == 200


def test_a_batch_not_holding_the_deleted_letter_keeps_its_files(app, client, world):
    with app.app_context():
        other_group = make_group(app, "Nantes", "Nantes")
        make_letters(1, case_ids=[world["case"]], group_id=other_group)
        other = service.start_batch("letters", {"group_id": other_group}, "a4")
        db.session.refresh(other)
        other_path = Path(app.config["STORAGE_DIR"]) / other.file_path
        mine = service.start_batch("letters", {"group_id": world["group"]}, "a4")
        db.session.refresh(mine)
        erase_letter(world["deleted"])
        db.session.expire_all()
        assert db.session.get(Batch, mine.id).withdrawn_at is not None
        kept = db.session.get(Batch, other.id)
        assert kept.withdrawn_at is None and service.ready_file(kept) == other_path
        # Deleting again changes nothing.
        erase_letter(world["deleted"])
        assert service.ready_file(db.session.get(Batch, other.id)) == other_path


def test_a_render_that_finishes_after_the_deletion_leaves_no_pdf(app, world):
    """The race, step by step: rendered, then deleted (elsewhere), then stored."""
    code = world["codes"][1]
    with app.app_context():
        letter = db.session.get(Letter, world["deleted"])
        data = render_letter_pdf(letter_content(letter))  # the render has the letter's text
        with app.app_context():  # the writer deletes it meanwhile (another session)
            erase_letter(world["deleted"])
        with pytest.raises(LetterGone):
            store_letter_pdf(world["deleted"], code, data)
        assert not _letter_files(app, code), "no PDF and no temp file may remain"
        db.session.expire_all()
        gone = db.session.get(Letter, world["deleted"])
        assert gone.pdf_path is None and gone.sender_name is None and gone.rendered_at is None


def test_a_letter_deleted_while_its_render_job_runs_gets_no_pdf(app, client, world, monkeypatch):
    import marathon.letters.pdf as letter_pdf  # where a letter's PDF is rendered from

    real = letter_pdf.render_letter_pdf

    def render_then_deleted(content: Any) -> bytes:
        data = real(content)
        with app.app_context():
            erase_letter(world["deleted"])
        return data

    monkeypatch.setattr(letter_pdf, "render_letter_pdf", render_then_deleted)
    with app.app_context():
        render_letter(world["deleted"])  # the job ends quietly: nothing to keep
    assert not _letter_files(app, world["codes"][1])
    # The same race through the private link's download: not found, nothing kept.
    with app.app_context():
        other = db.session.get(Letter, world["ids"][2])
        token, code = other.private_token, other.code

    def render_then_deleted_other(content: Any) -> bytes:
        data = real(content)
        with app.app_context():
            erase_letter(world["ids"][2])
        return data

    monkeypatch.setattr(letter_pdf, "render_letter_pdf", render_then_deleted_other)
    assert client.get(f"/letters/{token}/letter.pdf").status_code == 404
    assert not _letter_files(app, code)


def test_a_batch_that_finishes_after_a_deletion_withdraws_its_own_files(
    app, client, world, monkeypatch, auth
):
    """Deleted after the batch read its letters, before it was done: its files hold the name."""
    import marathon.batches.assembly as assembly

    real = assembly.write_print_file

    def write_then_deleted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        entry = real(*args, **kwargs)
        with app.app_context():  # the writer deletes the letter meanwhile (another session)
            erase_letter(world["deleted"])
        return entry

    monkeypatch.setattr(assembly, "write_print_file", write_then_deleted)
    with app.app_context():
        batch_id = service.start_batch("letters", {"group_id": world["group"]}, "a4").id
    monkeypatch.undo()
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        assert batch.status == "done" and batch.withdrawn_at is not None
        assert batch.file_path is None and service.ready_file(batch) is None
        assert world["deleted"] in batch.letter_ids  # its files held it: that is why
    folder = Path(app.config["STORAGE_DIR"]) / "batches"
    assert not list(folder.iterdir()), "no file of the batch may remain"
    auth.login("c@example.org")
    assert client.get(f"/batches/{batch_id}/download").status_code == 410
    assert "was deleted by its writer" in client.get(f"/batches/{batch_id}").get_data(as_text=True)


def test_the_purge_removes_what_a_deletion_cut_short_left(app, runner, world):
    """A render killed between writing its PDF and checking the letter, a deletion stopped
    before withdrawing the batches, a crash before a batch file was renamed: the purge (run
    daily) removes them all, and leaves living letters' files alone."""
    deleted_code, living_code = world["codes"][1], world["codes"][0]
    with app.app_context():
        batch = service.start_batch("letters", {"group_id": world["group"]}, "a4")
        db.session.refresh(batch)
        zip_path = Path(app.config["STORAGE_DIR"]) / batch.file_path
        # The letter is marked deleted, and the process stops there.
        letter = db.session.get(Letter, world["deleted"])
        letter.purged_at = db.func.now()
        letter.sender_name = letter.body = None
        db.session.commit()
        # What a killed render leaves: its PDF written, its temp file.
        pdf = _pdf_path(app, deleted_code)
        write_atomically(pdf, b"%PDF-1.7 left by a killed render")
        temp = pdf.with_name(f".{deleted_code}.pdf.abc123.tmp")
        temp.write_bytes(b"%PDF-1.7 half")
        orphan = zip_path.with_name(f"batch-{batch.id + 40}-1.zip")
        orphan.write_bytes(b"PK a batch file no batch refers to")
    assert _pdf_path(app, living_code).is_file() and zip_path.is_file()

    result = runner.invoke(args=["marathon", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 ")  # no letter's retention is over: only the sweep

    assert not pdf.exists() and not temp.exists()
    assert not zip_path.exists() and not orphan.exists()
    assert _pdf_path(app, living_code).is_file(), "a living letter's PDF stays"
    with app.app_context():
        withdrawn = db.session.get(Batch, batch.id)
        assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_reason == "deleted"
        assert purge_expired() == 0  # again: nothing more to do


def test_deleting_while_rendering_never_leaves_a_pdf_under_concurrency(app, world):
    """Real threads, each with its own session and connection: store and delete race."""
    with app.app_context():
        ids = make_letters(12, case_ids=[world["case"]], group_id=world["group"])
        first = db.session.get(Letter, ids[0])
        data = render_letter_pdf(letter_content(first))
        codes = [db.session.get(Letter, letter_id).code for letter_id in ids]
    errors: list[BaseException] = []

    def run(target: Any, *args: Any) -> None:
        try:
            with app.app_context():
                target(*args)
        except LetterGone:
            pass
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    for turn, (letter_id, code) in enumerate(zip(ids, codes, strict=True)):
        barrier = threading.Barrier(2)
        # Each side starts a little later in turn, so both orders (and overlaps) happen.
        store_delay, delete_delay = (turn % 4) * 0.004, ((turn + 2) % 4) * 0.004

        def store(
            letter_id: int = letter_id,
            code: str = code,
            delay: float = store_delay,
            barrier: threading.Barrier = barrier,
        ) -> None:
            barrier.wait()
            time.sleep(delay)
            store_letter_pdf(letter_id, code, data)

        def delete(
            letter_id: int = letter_id,
            delay: float = delete_delay,
            barrier: threading.Barrier = barrier,
        ) -> None:
            barrier.wait()
            time.sleep(delay)
            erase_letter(letter_id)

        threads = [
            threading.Thread(target=run, args=(store,)),
            threading.Thread(target=run, args=(delete,)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
        assert not _letter_files(app, code), f"a PDF of deleted letter {code} remains"


def test_the_sweep_keeps_the_work_of_a_batch_being_made(app, world):
    from marathon.privacy.service import remove_deleted_leftovers

    with app.app_context():
        running = Batch(
            product="letters",
            paper="a4",
            filters={},
            filter_key="running",
            status="running",
            attempts=2,
            letter_ids=world["ids"],
        )
        db.session.add(running)
        db.session.commit()
        folder = service.storage_dir()
        work = folder / f".batch-{running.id}-2.tmp"
        work.mkdir()
        (work / "01-appeal-a4.pdf").write_bytes(b"%PDF being written")
        packing = folder / f".batch-{running.id}-2.zip"
        packing.write_bytes(b"PK being packed")
        earlier = folder / f"batch-{running.id}-1.zip"
        earlier.write_bytes(b"PK of an attempt that died")
        assert remove_deleted_leftovers() == 1
    assert work.is_dir() and packing.is_file() and not earlier.exists()


def test_a_batch_past_retention_says_so_and_its_files_are_gone(app, client, world, auth):
    from datetime import timedelta

    from marathon.privacy.service import retention_deadline

    with app.app_context():
        batch = service.start_batch("letters", {"group_id": world["group"]}, "a4")
        db.session.refresh(batch)
        zip_path = Path(app.config["STORAGE_DIR"]) / batch.file_path
        deadline = retention_deadline(app.config["EDITION"], app.config["RETENTION_DAYS"])
        assert purge_expired(now=deadline + timedelta(minutes=1)) == 3
        batch_id = batch.id
    assert not zip_path.exists()
    auth.login("c@example.org")
    response = client.get(f"/batches/{batch_id}/files/0")
    assert response.status_code == 410
    assert "retention period is over" in response.get_data(as_text=True)
    page = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "retention period is over, and their writers" in page
    assert "Rebuild without the deleted letters" not in page
