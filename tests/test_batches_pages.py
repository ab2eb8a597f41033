"""Batches pages: who sees what, each file's download only when done, marking printed and sent."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from marathon.accounts.service import create_user
from marathon.batches import service
from marathon.batches.models import Batch
from marathon.extensions import db
from marathon.letters.models import Letter
from tests.batches_support import make_case, make_letters
from tests.factories import PASSWORD, make_group

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False)


@pytest.fixture
def loaded_cases(app):
    """The app with one case of its own (the tests need no catalogue)."""
    with app.app_context():
        make_case("amina", "Amina Rakoto", authority="Rabe Ministry", card_to="Amnesty Paris")
    return app


def cases():
    from marathon.cases.models import Case

    return list(db.session.scalars(db.select(Case).order_by(Case.id)))


@pytest.fixture
def world(loaded_cases):
    with loaded_cases.app_context():
        mine = make_group(loaded_cases, "Lyon", "Lyon")
        theirs = make_group(loaded_cases, "Nantes", "Nantes")
        create_user(
            email="c@example.org", name="C", password=PASSWORD, role="coordinator", group_id=mine
        )
        create_user(
            email="o@example.org", name="O", password=PASSWORD, role="coordinator", group_id=theirs
        )
        create_user(email="a@example.org", name="A", password=PASSWORD, role="admin")
        ids = make_letters(2, case_ids=[cases()[0].id], group_id=mine)
        ids += make_letters(1, case_ids=[cases()[0].id], group_id=mine, kind="card")
        make_letters(1, case_ids=[cases()[0].id], group_id=theirs)
    return {"mine": mine, "theirs": theirs, "ids": ids}


def test_coordinator_prints_own_group_and_marks_printed_then_sent(
    client, world, loaded_cases, auth
):
    auth.login("c@example.org")
    page = client.post(
        "/batches/new",
        data={
            "product": "letters",
            "paper": "a4",
            "event_id": "",
            "group_id": str(world["mine"]),
            "case_id": "",
            "kind": "",
            "language": "",
            "labels_per": "letter",
            "preview": "1",
        },
    )
    assert page.status_code == 200
    assert b"3 letters" in page.data
    assert b"Avery Zweckform 3652" in page.data  # the label stock of the chosen paper (A4)
    started = client.post(
        "/batches/new",
        data={
            "product": "letters",
            "paper": "a4",
            "event_id": "",
            "group_id": str(world["mine"]),
            "case_id": "",
            "kind": "",
            "language": "",
            "labels_per": "letter",
            "start": "1",
        },
    )
    assert started.status_code == 302
    batch_url = started.headers["Location"]
    with loaded_cases.app_context():
        batch = db.session.query(Batch).one()
        assert batch.group_id == world["mine"]
        assert sorted(batch.letter_ids) == sorted(world["ids"])
        batch_id = batch.id
    status = client.get(f"/batches/{batch_id}/status.json").get_json()
    assert status["status"] == "done" and status["ready"]
    page = client.get(batch_url)
    assert page.status_code == 200
    assert b"Avery Zweckform 3652" in page.data
    with loaded_cases.app_context():
        files = db.session.get(Batch, batch_id).files
    assert [entry["kind"] for entry in files] == ["contents", "appeal", "card"]
    # Each file has its own link, and downloads whole.
    for index, entry in enumerate(files):
        url = f"/batches/{batch_id}/files/{index}"
        assert url.encode() in page.data and entry["name"].encode() in page.data
        download = client.get(url)
        assert download.status_code == 200 and download.mimetype == "application/pdf"
        assert download.data.startswith(b"%PDF") and len(download.data) == entry["size"]
        assert entry["name"] in download.headers["Content-Disposition"]
    assert client.get(f"/batches/{batch_id}/files/{len(files)}").status_code == 404
    # "Download all": one ZIP of the same files.
    everything = client.get(f"/batches/{batch_id}/download")
    assert everything.status_code == 200 and everything.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(everything.data)) as archive:
        assert archive.namelist() == [entry["name"] for entry in files]
        for index, entry in enumerate(files):
            assert (
                archive.read(entry["name"]) == client.get(f"/batches/{batch_id}/files/{index}").data
            )
    assert client.post(f"/batches/{batch_id}/mark/printed").status_code == 302
    with loaded_cases.app_context():
        assert {
            letter.status for letter in db.session.query(Letter).filter(Letter.id.in_(world["ids"]))
        } == {"printed"}
    client.post(f"/batches/{batch_id}/mark/sent")
    with loaded_cases.app_context():
        assert {
            letter.status for letter in db.session.query(Letter).filter(Letter.id.in_(world["ids"]))
        } == {"sent"}
        assert db.session.get(Batch, batch_id).status == "sent"
    # A reprint of letters already sent is allowed.
    again = client.post(f"/batches/{batch_id}/reprint")
    assert again.status_code == 302 and again.headers["Location"] != batch_url


def test_another_groups_coordinator_cannot_see_the_batch(client, world, loaded_cases, auth):
    with loaded_cases.app_context():
        batch = service.start_batch("letters", {"group_id": world["mine"]}, "a4")
        batch_id = batch.id
        files = len(db.session.get(Batch, batch_id).files)
    assert files == 3
    auth.login("o@example.org")
    for url in (
        f"/batches/{batch_id}",
        f"/batches/{batch_id}/status.json",
        f"/batches/{batch_id}/download",
        *(f"/batches/{batch_id}/files/{index}" for index in range(files)),
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"/batches/{batch_id}/mark/printed").status_code == 403
    assert f"#{batch_id}".encode() not in client.get("/batches/").data


def test_coordinator_cannot_print_another_group(client, world, loaded_cases, auth):
    auth.login("o@example.org")
    response = client.post(
        "/batches/new",
        data={"product": "letters", "paper": "a4", "group_id": str(world["mine"]), "start": "1"},
    )
    assert response.status_code == 200  # the form again, with a message; nothing started
    with loaded_cases.app_context():
        assert db.session.query(Batch).count() == 0


def test_download_of_an_unfinished_batch_is_refused(client, world, loaded_cases, auth):
    with loaded_cases.app_context():
        batch = Batch(
            product="letters",
            paper="a4",
            filters={},
            filter_key="x",
            status="running",
            done=1,
            total=2,
            letter_ids=world["ids"],
            group_id=world["mine"],
            file_path="batches/half.pdf",
            file_size=10,
        )
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    auth.login("a@example.org")
    assert client.get(f"/batches/{batch_id}/download").status_code == 409
    assert client.get(f"/batches/{batch_id}/files/0").status_code == 409  # no files yet
    assert client.post(f"/batches/{batch_id}/mark/printed").status_code == 302
    with loaded_cases.app_context():
        assert db.session.get(Batch, batch_id).status == "running"


def test_no_letters_gives_a_message_not_an_error(client, world, auth):
    auth.login("a@example.org")
    response = client.post(
        "/batches/new",
        data={"product": "letters", "paper": "a4", "kind": "solidarity_postcard", "start": "1"},
    )
    assert response.status_code == 200
    assert b"flash-error" in response.data and b"nothing to print" in response.data


def test_a_file_whose_size_changed_is_refused(client, world, loaded_cases, auth):
    """A file is served only whole: the batch's ZIP and the file in it at their recorded sizes."""
    with loaded_cases.app_context():
        batch_id = service.start_batch("letters", {"group_id": world["mine"]}, "a4").id
        batch = db.session.get(Batch, batch_id)
        files = [dict(entry) for entry in batch.files]
        files[1]["size"] += 1
        batch.files = files
        db.session.commit()
    auth.login("a@example.org")
    assert client.get(f"/batches/{batch_id}/files/0").status_code == 200
    assert client.get(f"/batches/{batch_id}/files/1").status_code == 409
    page = client.get(f"/batches/{batch_id}").data.decode()
    assert re.search(r'href="/batches/\d+/files/1"', page)  # listed; the download says why not


def test_the_new_batch_form_names_the_label_stock_of_each_paper(client, world, auth):
    auth.login("a@example.org")
    page = client.get("/batches/new").data
    assert b"Avery Zweckform 3652" in page  # A4, the default: shown
    assert b"Avery 5160" in page  # US Letter: named for the script to show when chosen
    letter = client.post(
        "/batches/new",
        data={"product": "labels", "paper": "letter", "labels_per": "letter", "preview": "1"},
    ).data.decode()
    shown = re.search(r'data-role="label-stock"[^>]*>([^<]+)<', letter).group(1)
    assert "Avery 5160" in shown


# Nothing listens on port 1.
@pytest.mark.settings(
    JOBS_EAGER=False, REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_PREFIX="queue-down:"
)
class TestQueueDown:
    def test_a_batch_started_while_the_queue_is_down_says_so_and_can_be_retried(
        self, client, world, loaded_cases, auth
    ):
        auth.login("c@example.org")
        response = client.post(
            "/batches/new",
            data={"product": "letters", "paper": "a4", "group_id": str(world["mine"]), "start": 1},
        )
        assert response.status_code in (302, 303), response.status_code
        page = client.get(response.headers["Location"])
        assert page.status_code == 200
        assert b"the job queue is unreachable" in page.data
        with loaded_cases.app_context():
            batch = db.session.scalars(db.select(Batch)).one()
            assert batch.status == "failed" and service.can_retry(batch)
            assert batch.letter_ids == world["ids"]  # what it will print is kept
