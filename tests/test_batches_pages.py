"""Batches pages: who sees what, the download only when done, marking printed and sent."""

from __future__ import annotations

from typing import Any

import pytest
from batches_support import PASSWORD, cases, make_group, make_letters

from marathon.accounts.service import create_user
from marathon.batches import service
from marathon.batches.models import Batch
from marathon.extensions import db
from marathon.letters.models import Letter


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["WTF_CSRF_ENABLED"] = False
    return app_config


@pytest.fixture
def world(loaded_cases):
    with loaded_cases.app_context():
        mine = make_group("Lyon")
        theirs = make_group("Nantes")
        create_user(
            email="c@example.org", name="C", password=PASSWORD, role="coordinator", group_id=mine
        )
        create_user(
            email="o@example.org", name="O", password=PASSWORD, role="coordinator", group_id=theirs
        )
        create_user(email="a@example.org", name="A", password=PASSWORD, role="admin")
        ids = make_letters(2, case_ids=[cases()[0].id], group_id=mine)
        make_letters(1, case_ids=[cases()[0].id], group_id=theirs)
    return {"mine": mine, "theirs": theirs, "ids": ids}


def login(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code


def test_coordinator_prints_own_group_and_marks_printed_then_sent(client, world, loaded_cases):
    login(client, "c@example.org")
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
    assert b"2 letters" in page.data or b"2 lettres" in page.data
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
    assert client.get(batch_url).status_code == 200
    status = client.get(f"/batches/{batch_id}/status.json").get_json()
    assert status["status"] == "done" and status["ready"]
    download = client.get(f"/batches/{batch_id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
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


def test_another_groups_coordinator_cannot_see_the_batch(client, world, loaded_cases):
    with loaded_cases.app_context():
        batch = service.start_batch("letters", {"group_id": world["mine"]}, "a4")
        batch_id = batch.id
    login(client, "o@example.org")
    for url in (
        f"/batches/{batch_id}",
        f"/batches/{batch_id}/status.json",
        f"/batches/{batch_id}/download",
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"/batches/{batch_id}/mark/printed").status_code == 403
    assert f"#{batch_id}".encode() not in client.get("/batches/").data


def test_coordinator_cannot_print_another_group(client, world, loaded_cases):
    login(client, "o@example.org")
    response = client.post(
        "/batches/new",
        data={"product": "letters", "paper": "a4", "group_id": str(world["mine"]), "start": "1"},
    )
    assert response.status_code == 200  # the form again, with a message; nothing started
    with loaded_cases.app_context():
        assert db.session.query(Batch).count() == 0


def test_download_of_an_unfinished_batch_is_refused(client, world, loaded_cases):
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
    login(client, "a@example.org")
    assert client.get(f"/batches/{batch_id}/download").status_code == 409
    assert client.post(f"/batches/{batch_id}/mark/printed").status_code == 302
    with loaded_cases.app_context():
        assert db.session.get(Batch, batch_id).status == "running"


def test_no_letters_gives_a_message_not_an_error(client, world):
    login(client, "a@example.org")
    response = client.post(
        "/batches/new", data={"product": "postcards", "paper": "a4", "start": "1"}
    )
    assert response.status_code == 200
    assert b"flash-error" in response.data


class TestQueueDown:
    @pytest.fixture
    def app_config(self, app_config: dict[str, Any]) -> dict[str, Any]:
        app_config["JOBS_EAGER"] = False
        app_config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
        app_config["RATELIMIT_PREFIX"] = "queue-down:"
        return app_config

    def test_a_batch_started_while_the_queue_is_down_says_so_and_can_be_retried(
        self, client, world, loaded_cases
    ):
        login(client, "c@example.org")
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
