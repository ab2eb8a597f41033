"""Faults: with the disk full, PDF downloads and batch builds answer a clear 503 with
Retry-After, nothing half-written is kept or served, and what was stored before stays whole.

The disk is "full" when ``os.fsync`` (every file the app keeps is synced before it is renamed
into place) raises ``ENOSPC``, as a full disk does with delayed allocation. Root ignores file
modes, so a read-only folder would not do.
"""

from __future__ import annotations

import errno
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from marathon.accounts.service import create_user
from marathon.batches.models import Batch
from marathon.extensions import db
from marathon.letters.models import Letter
from tests.batches_support import make_case, make_letters
from tests.factories import PASSWORD, first_case, make_group, write_letter
from tests.settings import FAST_CONFIG

FULL_MESSAGE = "storage is full, so this cannot be done right now"


pytestmark = pytest.mark.settings(FAST_CONFIG, WTF_CSRF_ENABLED=False)


class Disk:
    """The storage's disk: ``fill()`` makes every sync fail with ENOSPC, ``free()`` undoes it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def fill(self) -> None:
        def no_space(_fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        self.monkeypatch.setattr(os, "fsync", no_space)

    def free(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Disk:
    return Disk(monkeypatch)


def _files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def _assert_full_answer(response: Any) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert int(response.headers["Retry-After"]) > 0
    assert FULL_MESSAGE in response.get_data(as_text=True)
    assert "Nothing was lost" in response.get_data(as_text=True)


def test_a_letters_pdf_with_the_disk_full_is_a_503_and_comes_later_whole(
    loaded_cases: Flask, client: Any, disk: Disk
):
    app = loaded_cases
    letters = Path(app.config["STORAGE_DIR"]) / "letters"
    slug, language = first_case(app)
    disk.fill()
    written = write_letter(client, slug, language)
    # The letter is written and counted: only its PDF waits (its render failed, and said so).
    assert written.status_code == 302
    private = written.headers["Location"].split("?")[0]
    _assert_full_answer(client.get(f"{private}/letter.pdf"))
    _assert_full_answer(client.get(f"{private}/letter.pdf?download=1"))
    assert _files(letters) == [], "no PDF, whole or half, and no temp file"
    with app.app_context():
        letter = db.session.scalars(db.select(Letter)).one()
        assert letter.sender_name == "Zoé Martin" and letter.pdf_path is None

    disk.free()
    download = client.get(f"{private}/letter.pdf?download=1")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.data.rstrip().endswith(b"%%EOF")
    assert _files(letters) == [f"{letter.code}.pdf"]


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    with app.app_context():
        case = make_case("amina", "Amina Rakoto", authority="Ministry", card_to="Section")
        create_user(email="a@example.org", name="A", password=PASSWORD, role="admin")
        first, second = make_group(app, "Lyon", "Lyon"), make_group(app, "Nantes", "Nantes")
        make_letters(2, case_ids=[case], group_id=first)
        make_letters(2, case_ids=[case], group_id=second)
        return {"first": first, "second": second}


def _start(client: Any, group_id: int) -> Any:
    return client.post(
        "/batches/new",
        data={"product": "letters", "paper": "a4", "group_id": str(group_id), "start": "1"},
    )


def _downloads_whole(client: Any, batch_id: int, app: Flask) -> None:
    with app.app_context():
        files = db.session.get(Batch, batch_id).files
    everything = client.get(f"/batches/{batch_id}/download")
    assert everything.status_code == 200
    with zipfile.ZipFile(io.BytesIO(everything.data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [entry["name"] for entry in files]
    for index, entry in enumerate(files):
        one = client.get(f"/batches/{batch_id}/files/{index}")
        assert one.status_code == 200 and len(one.data) == entry["size"]


def test_a_batch_with_the_disk_full_is_a_503_fails_saying_so_and_retries_whole(
    app: Flask, client: Any, world: dict[str, Any], disk: Disk
):
    batches = Path(app.config["STORAGE_DIR"]) / "batches"
    client.post("/login", data={"email": "a@example.org", "password": PASSWORD})
    done = _start(client, world["first"])
    assert done.status_code == 302
    with app.app_context():
        done_id = db.session.scalars(db.select(Batch)).one().id
    before = _files(batches)

    disk.fill()
    # A new batch (its letters not rendered yet: the render fails) ...
    _assert_full_answer(_start(client, world["second"]))
    # ... and a reprint of the finished one (rendered already: writing its files fails).
    _assert_full_answer(client.post(f"/batches/{done_id}/reprint"))
    assert _files(batches) == before, "no new file, whole or half, and no temp file"
    _downloads_whole(client, done_id, app)  # what was made before stays whole
    with app.app_context():
        failed = db.session.scalars(db.select(Batch).where(Batch.id != done_id)).all()
        assert [batch.status for batch in failed] == ["failed", "failed"]
        assert all("ENOSPC" in batch.error for batch in failed)
        assert not any(batch.file_path or batch.files for batch in failed)
        new_id, reprint_id = (batch.id for batch in failed)
    for batch_id in (new_id, reprint_id):
        page = client.get(f"/batches/{batch_id}").get_data(as_text=True)
        assert "The batch failed:" in page and "ENOSPC" in page
        assert "storage was full" in page and "press Retry" in page
        assert client.get(f"/batches/{batch_id}/download").status_code == 409

    disk.free()
    for batch_id in (new_id, reprint_id):
        assert client.post(f"/batches/{batch_id}/retry").status_code == 302
        with app.app_context():
            assert db.session.get(Batch, batch_id).status == "done"
        _downloads_whole(client, batch_id, app)
