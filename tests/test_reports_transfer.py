"""Offline events: report files exported, imported once, damaged or tampered files refused."""

from __future__ import annotations

import io
import json

import pytest
from reports_support import EDITION, PASSWORD, login, make_world

from marathon.events.models import HandCount
from marathon.extensions import db
from marathon.reports import report_file, service, transfer
from marathon.reports.models import ReportImport


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = False
    app_config["EDITION"] = EDITION
    return app_config


@pytest.fixture
def world(app):
    return make_world(app)


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
    document = _export(runner, world.code_lyon)
    assert document["format"] == "marathon-report" and document["version"] == 1
    assert document["group"] == {"name": "Lyon"}
    assert document["event"]["code"] == world.code_lyon
    assert sum(line["quantity"] for line in document["totals"]) == 10
    assert document["checksum"].startswith("sha256:")
    assert {line["case"] for line in document["totals"]} == {"alice-a", "bruno-b"}


def test_round_trip_adds_the_totals_to_the_chosen_group_once(app, runner, world, tmp_path):
    document = _export(runner, world.code_lyon)
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
    document = _export(runner, world.code_lyon)
    with app.app_context():
        result = transfer.import_report(report_file.parse_report(json.dumps(document)))
        assert result.created and result.quantity == 10
        assert result.report_import.group_id == world.lyon


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
    document = _export(runner, world.code_lyon)
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
    document = _export(runner, world.code_lyon)
    with app.app_context():
        document["group"]["name"] = "Quimper"
        _refused(app, _resign(document), "choose the group")


def test_shared_key_signs_and_detects_tampering(app, runner, world):
    app.config["REPORT_SIGNING_KEY"] = "section-secret"
    document = _export(runner, world.code_lyon)
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


def test_admin_imports_through_the_page_and_coordinator_cannot(client, runner, app, world):
    document = _export(runner, world.code_brest)
    login(client, "lyon@example.org")
    assert client.get("/reports/import").status_code == 403
    client.post("/logout")
    login(client, "admin@example.org")
    upload = {"report": (io.BytesIO(json.dumps(document).encode()), "r.json"), "group_id": "0"}
    response = client.post("/reports/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get("/reports/import").get_data(as_text=True)
    assert "Imported 11 letters" in page and document["report_id"] in page
    bad = {"report": (io.BytesIO(b'{"format": "marathon-report"'), "r.json"), "group_id": "0"}
    refused = client.post("/reports/import", data=bad, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "not valid JSON" in refused.get_data(as_text=True)


def test_coordinator_downloads_only_their_events_report(client, world):
    login(client, "lyon@example.org")
    response = client.get(f"/reports/events/{world.code_lyon}/report.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_json()["event"]["code"] == world.code_lyon
    assert client.get(f"/reports/events/{world.code_brest}/report.json").status_code == 403
    assert PASSWORD  # the support module's password logs in every role
