"""Personal data goes: after the retention period (purge), or when the writer deletes the letter.

The counts stay in both cases, and the letter's PDF is removed from storage.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from marathon.extensions import db
from tests.factories import first_case, write_letter
from tests.settings import FAST_CONFIG

PERSONAL = ("sender_name", "sender_town", "sender_country", "personal_sentence", "body")


pytestmark = pytest.mark.settings(FAST_CONFIG, WTF_CSRF_ENABLED=False, RETENTION_DAYS=30)


def _write(app: Flask, client: Any) -> str:
    """Write a letter through the form; its private URL."""
    response = write_letter(client, *first_case(app))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].split("?")[0]


def _letter(app: Flask, private_url: str) -> Any:
    from marathon.letters.models import Letter

    token = private_url.rstrip("/").rsplit("/", 1)[-1]
    with app.app_context():
        letter = db.session.query(Letter).filter_by(private_token=token).one()
        db.session.expunge(letter)
        return letter


def _newer_edition_letter(app: Flask) -> int:
    """A letter for a case of the next edition (made directly: its edition is not over)."""
    from marathon.cases.models import Case
    from marathon.letters.models import Letter

    with app.app_context():
        case = Case(
            edition=app.config["EDITION"] + 1,
            slug="next-year",
            person="P",
            country="FR",
            texts={"fr": {"title": "T"}},
        )
        db.session.add(case)
        db.session.flush()
        letter = Letter(
            code="NEXT-0001",
            idempotency_key=uuid.uuid4().hex,
            private_token=uuid.uuid4().hex,
            case_id=case.id,
            kind="appeal",
            language="fr",
            sender_name="Jan Kowalski",
            sender_town="Kraków",
            sender_country="Polska",
            body="Szanowni Państwo",
        )
        db.session.add(letter)
        db.session.commit()
        return letter.id


def _pdf_file(app: Flask, letter: Any) -> Path:
    return Path(app.config["STORAGE_DIR"]) / letter.pdf_path


def test_purge_erases_personal_data_after_the_retention_period_and_keeps_the_count(
    loaded_cases, client
):
    from marathon.letters.models import Letter
    from marathon.privacy.service import purge_expired, retention_deadline
    from marathon.tally.service import case_total

    app = loaded_cases
    letter = _letter(app, _write(app, client))
    pdf = _pdf_file(app, letter)
    assert pdf.is_file()
    newer_id = _newer_edition_letter(app)
    deadline = retention_deadline(app.config["EDITION"], app.config["RETENTION_DAYS"])
    with app.app_context():
        total = case_total(letter.case_id)
        assert purge_expired(now=deadline - timedelta(minutes=1)) == 0
        assert db.session.get(Letter, letter.id).sender_name == "Zoé Martin"

        assert purge_expired(now=deadline + timedelta(minutes=1)) == 1
        db.session.expire_all()
        purged = db.session.get(Letter, letter.id)
        assert all(getattr(purged, name) is None for name in PERSONAL)
        assert purged.display_name is None and purged.pdf_path is None
        assert purged.purged_at is not None
        assert purged.code == letter.code and purged.status == "written"
        assert case_total(letter.case_id) == total  # the count stays
        newer = db.session.get(Letter, newer_id)
        assert newer.sender_name == "Jan Kowalski" and newer.purged_at is None
        # Purging again changes nothing.
        assert purge_expired(now=deadline + timedelta(days=1)) == 0
    assert not pdf.exists()
    assert client.get(f"/letters/{letter.private_token}/letter.pdf").status_code == 404


def test_the_purge_command_reports_how_many_letters_it_purged(loaded_cases, client):
    app = loaded_cases
    _write(app, client)
    # The edition's end plus 30 days is long past for the edition of 2000.
    app.config["EDITION"], edition = 2000, app.config["EDITION"]
    from marathon.cases.models import Case

    with app.app_context():
        db.session.query(Case).filter_by(edition=edition).update({"edition": 2000})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["marathon", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 ")
    again = app.test_cli_runner().invoke(args=["marathon", "purge"])
    assert again.output.startswith("0 ")


def test_the_private_link_downloads_then_deletes_the_letter(loaded_cases, client):
    from marathon.tally.service import case_total

    app = loaded_cases
    private_url = _write(app, client)
    letter = _letter(app, private_url)
    with app.app_context():
        total = case_total(letter.case_id)

    other = app.test_client()  # the link works from any browser
    page = other.get(private_url)
    assert page.status_code == 200 and "Zoé" not in page.get_data(as_text=True)
    download = other.get(f"{private_url}/letter.pdf?download=1")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf" and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download.headers["Cache-Control"]
    pdf = _pdf_file(app, _letter(app, private_url))
    assert pdf.is_file()

    deleted = other.post(f"{private_url}/delete")
    assert deleted.status_code == 302
    assert not pdf.exists(), "the deleted letter's PDF must be gone from storage"
    assert other.get(f"{private_url}/letter.pdf").status_code == 404
    after = _letter(app, private_url)
    assert all(getattr(after, name) is None for name in PERSONAL)
    with app.app_context():
        assert case_total(letter.case_id) == total
    assert "deleted" in other.get(private_url).get_data(as_text=True)
    # Deleting twice is harmless.
    assert other.post(f"{private_url}/delete").status_code == 302


def test_an_unknown_private_link_is_not_found(app, client):
    assert client.get("/letters/" + "a" * 64).status_code == 404
    assert client.post("/letters/" + "a" * 64 + "/delete").status_code == 404
    assert client.get("/letters/" + "a" * 64 + "/letter.pdf").status_code == 404


def test_purge_deletes_the_print_files_of_batches_that_hold_purged_letters(loaded_cases, client):
    from marathon.batches import service as batches
    from marathon.batches.models import Batch
    from marathon.privacy.service import purge_expired, retention_deadline

    app = loaded_cases
    letter = _letter(app, _write(app, client))
    with app.app_context():
        batch = batches.start_batch("letters", {}, "a4")
        batch = db.session.get(Batch, batch.id)
        assert batch.status == "done" and letter.id in batch.letter_ids
        batch_file = Path(app.config["STORAGE_DIR"]) / batch.file_path
        assert batch_file.is_file()
        deadline = retention_deadline(app.config["EDITION"], app.config["RETENTION_DAYS"])
        assert purge_expired(now=deadline + timedelta(minutes=1)) == 1
        db.session.expire_all()
        batch = db.session.get(Batch, batch.id)
        assert batch.file_path is None and batch.total >= 1  # the counts stay
    assert not batch_file.exists()
