"""Offline events: report files exported, imported once, damaged or tampered files refused."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest

from marathon.events.models import HandCount
from marathon.extensions import db
from marathon.reports import report_file, service, transfer
from marathon.reports.models import ReportImport
from tests.factories import BREST, EDITION, LYON, PASSWORD, count_online, make_world

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False, EDITION=EDITION)


@pytest.fixture
def world(app):
    return make_world(app, LYON, BREST, counts=True)


def _export(runner, code: str) -> dict:
    result = runner.invoke(args=["marathon", "export-report", "--event", code])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _state(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            service.totals(EDITION)[0].quantity,
            db.session.query(ReportImport).count(),
            db.session.query(HandCount).count(),
        )


def test_export_lists_the_event_totals_with_a_checksum(app, runner, world):
    document = _export(runner, world.code)
    assert document["format"] == "marathon-report" and document["version"] == 1
    assert document["group"] == {"name": "Lyon"}
    assert document["event"]["code"] == world.code
    assert sum(line["quantity"] for line in document["totals"]) == 10
    assert document["checksum"].startswith("sha256:")
    assert {line["case"] for line in document["totals"]} == {"alice-a", "bruno-b"}


def test_round_trip_adds_the_totals_to_the_chosen_group_once(app, runner, world, tmp_path):
    document = _export(runner, world.code)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(document))
    before = _state(app)
    result = runner.invoke(args=["marathon", "import-report", str(path), "--group", "Brest"])
    assert result.exit_code == 0, result.output
    assert "Imported 10 letters" in result.output
    after = _state(app)
    assert after[0] == before[0] + 10
    assert after[1] == before[1] + 1
    with app.app_context():
        by_group = {r.keys[0]: r.quantity for r in service.totals(EDITION, by=("group",))}
        assert by_group["Brest"] == 21
        imported = db.session.query(HandCount).filter(HandCount.report_import_id.isnot(None))
        assert sum(h.quantity for h in imported) == 10
    again = runner.invoke(args=["marathon", "import-report", str(path)])
    assert again.exit_code == 0
    assert "already imported on" in again.output
    assert _state(app) == after


def test_import_defaults_to_the_group_of_the_same_name(app, runner, world):
    document = _export(runner, world.code)
    with app.app_context():
        result = transfer.import_report(report_file.parse_report(json.dumps(document)))
        assert result.created and result.quantity == 10
        assert result.report_import.group_id == world.group_id


def _refused(app, raw: bytes | str, expected: str) -> None:
    before = _state(app)
    with app.app_context(), pytest.raises(report_file.ReportFileError) as caught:
        transfer.import_report(report_file.parse_report(raw))
    assert any(expected in reason for reason in caught.value.reasons), caught.value.reasons
    assert _state(app) == before


def _resign(document: dict) -> str:
    document["checksum"] = report_file.checksum(document)
    return json.dumps(document)


def test_damaged_and_invalid_files_are_refused_and_change_nothing(app, runner, world):
    document = _export(runner, world.code)
    text = json.dumps(document)
    _refused(app, text[: len(text) // 2], "not valid JSON")
    _refused(app, b"\xff\xfe garbage", "not valid JSON")
    _refused(app, json.dumps({**document, "format": "other"}), "not a Marathon report")
    _refused(app, json.dumps({**document, "version": 2}), "version 2 is not supported")
    edited = json.loads(text)
    edited["totals"][0]["quantity"] += 100
    _refused(app, json.dumps(edited), "checksum does not match")
    _refused(app, json.dumps({**document, "checksum": "sha256:" + "0" * 64}), "checksum")
    with app.app_context():
        unknown = json.loads(text)
        unknown["totals"][0]["case"] = "nobody"
        _refused(app, _resign(unknown), "unknown case nobody")
        negative = json.loads(text)
        negative["totals"][0]["quantity"] = -5
        _refused(app, _resign(negative), "0 or more")
        as_text = json.loads(text)
        as_text["totals"][0]["quantity"] = "5"
        _refused(app, _resign(as_text), "whole number")
        outside = json.loads(text)
        outside["totals"][0]["day"] = f"{EDITION - 3}-12-10"
        _refused(app, _resign(outside), "outside edition")
        no_id = json.loads(text)
        no_id["report_id"] = "not-a-uuid"
        _refused(app, _resign(no_id), "not a UUID")


def test_unknown_group_asks_the_admin_to_choose(app, runner, world):
    document = _export(runner, world.code)
    with app.app_context():
        document["group"]["name"] = "Quimper"
        _refused(app, _resign(document), "choose the group")


def test_shared_key_signs_and_detects_tampering(app, runner, world):
    app.config["REPORT_SIGNING_KEY"] = "section-secret"
    document = _export(runner, world.code)
    assert document["checksum"].startswith("hmac-sha256:")
    with app.app_context():
        tampered = json.loads(json.dumps(document))
        tampered["totals"][0]["quantity"] += 1
        # Recomputing a plain SHA-256 is not enough to pass when a key is configured.
        tampered["checksum"] = (
            "sha256:" + __import__("hashlib").sha256(report_file.canonical(tampered)).hexdigest()
        )
        _refused(app, json.dumps(tampered), "only accepts reports signed")
        app.config["REPORT_SIGNING_KEY"] = "another-key"
        _refused(app, json.dumps(document), "checksum does not match")
        app.config["REPORT_SIGNING_KEY"] = None
        _refused(app, json.dumps(document), "no REPORT_SIGNING_KEY")


def test_admin_imports_through_the_page_and_coordinator_cannot(client, runner, app, world, auth):
    document = _export(runner, world.other_code)
    auth.login("lyon@example.org")
    assert client.get("/reports/import").status_code == 403
    client.post("/logout")
    auth.login("admin@example.org")
    upload = {"report": (io.BytesIO(json.dumps(document).encode()), "r.json"), "group_id": "0"}
    response = client.post("/reports/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/reports/import").get_data(as_text=True)
    assert "Imported 11 letters" in page and document["report_id"] in page
    bad = {"report": (io.BytesIO(b'{"format": "marathon-report"'), "r.json"), "group_id": "0"}
    refused = client.post("/reports/import", data=bad, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "not valid JSON" in refused.get_data(as_text=True)


def test_coordinator_downloads_only_their_events_report(client, world, auth):
    auth.login("lyon@example.org")
    response = client.get(f"/reports/events/{world.code}/report.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_json()["event"]["code"] == world.code
    assert client.get(f"/reports/events/{world.other_code}/report.json").status_code == 403
    assert PASSWORD  # the support module's password logs in every role


# -- the same event reported again; bounded figures; counters that never overflow ------------------


def _imported(app, document: dict, group_id: int | None = None) -> transfer.ImportResult:
    with app.app_context():
        raw = json.dumps(document)
        return transfer.import_report(report_file.parse_report(raw), group_id=group_id)


def test_a_newer_report_of_the_same_event_replaces_the_earlier_import(app, runner, world):
    # Imported under Brest: on this one instance, the laptop's event (Lyon's) stays apart from
    # what the section imports, as on two machines.
    before = _state(app)
    first = _export(runner, world.code)  # 10 letters
    assert _imported(app, first, world.other_group_id).created
    assert _state(app)[0] == before[0] + 10
    with app.app_context():
        count_online(world.case_a, "appeal", "fr", world.hand_day, 5, _event(world.event_id))
    second = _export(runner, world.code)  # the same event, 15 letters, a new report id
    assert second["report_id"] != first["report_id"]
    result = _imported(app, second, world.other_group_id)
    assert result.created and result.quantity == 15
    assert "replaces the one imported on" in result.message
    assert "10 letters are no longer counted" in result.message
    # 5 new letters on the laptop's side, 15 imported instead of 10: not 10 + 15.
    assert _state(app)[0] == before[0] + 5 + 15
    with app.app_context():
        imports = db.session.query(ReportImport).order_by(ReportImport.id).all()
        assert imports[-2].replaced_at is not None and imports[-1].replaced_at is None
        rows = db.session.query(HandCount).filter(HandCount.report_import_id.isnot(None)).all()
        assert {row.report_import_id for row in rows} == {imports[-1].id}
        by_group = {r.keys[0]: r.quantity for r in service.totals(EDITION, by=("group",))}
    assert by_group["Brest"] == 11 + 15
    # The first file again: already imported, counts nothing.
    again = _imported(app, first, world.other_group_id)
    assert not again.created and "already imported on" in again.message
    assert _state(app)[0] == before[0] + 20


def test_an_older_report_of_an_event_already_reported_changes_nothing(app, runner, world):
    newer = _export(runner, world.code)
    assert _imported(app, newer).created
    state = _state(app)
    with app.app_context():
        older = json.loads(json.dumps(newer))
        older["report_id"] = "6d1f3c1e-3a51-4f0e-9d7c-2b9f5b0b7a11"
        exported = datetime.fromisoformat(newer["created_at"])
        older["created_at"] = (exported - timedelta(hours=2)).isoformat()
        older["totals"][0]["quantity"] += 40
        older = json.loads(_resign(older))
    result = _imported(app, older)
    assert not result.created
    assert "A newer report of this event was already imported" in result.message
    assert _state(app) == state


def _event(event_id: int):
    from marathon.events.models import Event

    return db.session.get(Event, event_id)


def _with_totals(document: dict, totals: list[dict], **changes) -> str:
    edited = {**json.loads(json.dumps(document)), "totals": totals, **changes}
    return _resign(edited)


def test_every_figure_of_a_report_file_is_bounded(app, runner, world):
    document = _export(runner, world.code)
    line = dict(document["totals"][0])
    with app.app_context():
        too_big = {**line, "quantity": report_file.MAX_LINE_QUANTITY + 1}
        _refused(app, _with_totals(document, [too_big]), "at most 1000000")
        half = {**line, "quantity": 600_000}
        _refused(app, _with_totals(document, [half, half]), "more than one event can write")
        _refused(app, _with_totals(document, [line], edition=99_999), "edition must be a year")
        _refused(app, _with_totals(document, [line], edition=2**63), "edition must be a year")
        _refused(app, _with_totals(document, [{**line, "case": ["x"]}]), "unknown case")
        _refused(app, _with_totals(document, [{**line, "kind": {"a": 1}}]), "unknown kind")
        _refused(app, _with_totals(document, [{**line, "day": 20251210}]), "YYYY-MM-DD")
        _refused(app, _with_totals(document, [line], report_id=12), "not a UUID")
        _refused(app, _with_totals(document, [line], created_at="yesterday"), "exported")
        deep: list = []
        for _ in range(40):
            deep = [deep]
        _refused(app, json.dumps({**document, "totals": deep}), "nested too deeply")
        _refused(app, "[" * 100_000 + "]" * 100_000, "nested too deeply")
        _refused(app, '{"format": "marathon-report", "version": ' + "9" * 5000 + "}", "digits")


def test_a_file_at_the_limit_never_stops_counting(app, runner, world, client, auth):
    """Counters are 64-bit: a total past 2**31 keeps counting (PostgreSQL's integer would fail)."""
    from sqlalchemy import text

    document = _export(runner, world.other_code)
    line = {**document["totals"][0], "quantity": report_file.MAX_LINE_QUANTITY}
    with app.app_context():
        # An edition already near the 32-bit limit: every counter of the edition.
        db.session.execute(text("UPDATE tally_rollup SET quantity = quantity + 2147483000"))
        db.session.execute(text("UPDATE tally_count SET quantity = quantity + 2147483000"))
        db.session.commit()
        big = report_file.parse_report(_with_totals(document, [line]))
        assert transfer.import_report(big).created
    auth.login("brest@example.org")
    response = client.post(
        f"/events/{world.other_event_id}/hand-counts",
        data={"case_id": world.case_a, "kind": "appeal", "quantity": "3", "idempotency_key": "b1"},
    )
    assert response.status_code == 302
    with app.app_context():
        total = service.totals(EDITION)[0].quantity
    assert isinstance(total, int) and total > 2**31
    assert client.get("/reports").status_code in (200, 403)
    board = client.get(f"/events/{world.other_code}/board.json")
    assert board.status_code == 200 and isinstance(board.get_json()["total"], int)
