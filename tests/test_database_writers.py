"""SQLite writers take turns (no failures, no polling) and the hot path's plain SQL stores values
exactly as the ORM would."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.tally.models import TallyCount


class TestSqliteWriterTurns:
    @pytest.fixture
    def database(self) -> str:
        # The turns are SQLite's: PostgreSQL locks rows, not the whole database.
        return "sqlite"

    def test_a_writer_waits_for_the_one_writing_then_writes(self, loaded_cases):
        app = loaded_cases
        holding = threading.Event()
        finished: dict[str, float] = {}

        def long_writer() -> None:
            with app.app_context():
                begin_write()
                holding.set()
                time.sleep(0.4)
                db.session.commit()
                finished["first"] = time.time()

        thread = threading.Thread(target=long_writer)
        thread.start()
        holding.wait(5)
        client = app.test_client()
        response = client.post(
            "/api/v1/letters",
            data=json.dumps(
                {
                    "case": "damisoa",
                    "kind": "appeal",
                    "language": "fr",
                    "sender_name": "Ana",
                    "body": "Madame, Monsieur, je vous demande de libérer Damisoa.",
                }
            ),
            headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
        )
        thread.join()
        assert response.status_code == 201, response.get_json()
        # The letter's time is taken once its writer has the turn.
        written = datetime.fromisoformat(response.get_json()["letter"]["created_at"]).timestamp()
        assert written >= finished["first"], "the letter was written while the other held on"
        assert written - finished["first"] < 0.2, "woken as soon as the turn was free"

    def test_a_failed_transaction_gives_its_turn_back(self, loaded_cases):
        app = loaded_cases
        with app.app_context():
            begin_write()
            db.session.add(Letter(code="X"))  # misses required columns: the flush fails
            with pytest.raises(Exception):  # noqa: B017 (any database error will do)
                db.session.flush()
            db.session.rollback()

        done = threading.Event()

        def writer() -> None:
            with app.app_context():
                begin_write()
                db.session.commit()
                done.set()

        threading.Thread(target=writer).start()
        assert done.wait(3), "the next writer got its turn"


def test_the_hot_path_stores_what_the_orm_reads_back(client, loaded_cases):
    before = datetime.now(UTC)
    response = client.post(
        "/api/v1/letters",
        data=json.dumps(
            {
                "case": "damisoa",
                "kind": "card",
                "language": "fr",
                "sender_name": "Ana Lopez",
                "share_first_name": True,
            }
        ),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()["letter"]
    with loaded_cases.app_context():
        letter = db.session.scalar(select(Letter).where(Letter.code == answer["code"]))
        stored = letter.created_at.replace(tzinfo=letter.created_at.tzinfo or UTC)
        assert stored == datetime.fromisoformat(answer["created_at"])
        assert before <= stored <= before + timedelta(minutes=1)
        assert letter.share_first_name is True and letter.display_name == "Ana"
        assert letter.kind == "card" and letter.status == "written"
        tally = db.session.scalar(select(TallyCount))
        assert (tally.kind, tally.channel, tally.quantity) == ("card", "online", 1)
        assert tally.day == stored.astimezone(ZoneInfo(loaded_cases.config["TIMEZONE"])).date()
