"""Totals, crossings, access, exports and the CLI report, on hand-made counts."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from marathon.reports import service
from tests.factories import BREST, EDITION, LYON, make_world

pytestmark = pytest.mark.settings(WTF_CSRF_ENABLED=False, EDITION=EDITION)


@pytest.fixture
def world(app):
    return make_world(app, LYON, BREST, counts=True)


def _as_map(rows):
    return {row.keys: row.quantity for row in rows}


def test_overall_total_adds_online_and_handwritten(app, world):
    with app.app_context():
        assert service.totals(EDITION)[0].quantity == 22
        assert service.totals(EDITION + 1)[0].quantity == 0


def test_totals_by_each_dimension_are_exact(app, world):
    with app.app_context():
        assert _as_map(service.totals(EDITION, by=("case",))) == {("alice-a",): 15, ("bruno-b",): 7}
        assert _as_map(service.totals(EDITION, by=("group",))) == {
            ("",): 1,
            ("Lyon",): 10,
            ("Brest",): 11,
        }
        assert _as_map(service.totals(EDITION, by=("channel",))) == {
            ("online",): 10,
            ("handwritten",): 12,
        }
        assert _as_map(service.totals(EDITION, by=("kind",))) == {
            ("appeal",): 14,
            ("card",): 7,
            ("postcard",): 1,
        }
        assert _as_map(service.totals(EDITION, by=("event",))) == {
            ("",): 1,
            (world.code,): 10,
            (world.other_code,): 11,
        }
        assert _as_map(service.totals(None, by=("edition",))) == {(EDITION,): 22}


def test_two_dimensions_crossed(app, world):
    with app.app_context():
        crossed = _as_map(service.totals(EDITION, by=("case", "event")))
        assert crossed == {
            ("alice-a", world.code): 3,
            ("alice-a", world.other_code): 11,
            ("alice-a", ""): 1,
            ("bruno-b", world.code): 7,
        }
        by_day_kind = _as_map(service.totals(EDITION, by=("day", "kind")))
        expected = {
            (date(EDITION, 12, 10), "appeal"): 3,
            (date(EDITION, 12, 10), "card"): 2,
            (date(EDITION, 12, 12), "appeal"): 4,
            (date(EDITION, 12, 5), "postcard"): 1,
        }
        for key, quantity in {(world.hand_day, "card"): 5, (world.hand_day, "appeal"): 7}.items():
            expected[key] = expected.get(key, 0) + quantity
        assert by_day_kind == expected


def test_group_restriction_and_filters(app, world):
    with app.app_context():
        assert service.totals(EDITION, group_ids=[world.group_id])[0].quantity == 10
        assert service.totals(EDITION, group_ids=[])[0].quantity == 0
        rows = service.totals(EDITION, by=("case",), filters={"channel": "online"})
        assert _as_map(rows) == {("alice-a",): 8, ("bruno-b",): 2}


def test_unknown_or_too_many_dimensions_are_refused(app):
    with app.app_context():
        with pytest.raises(service.ReportError, match="Unknown breakdown"):
            service.totals(EDITION, by=("colour",))
        with pytest.raises(service.ReportError, match="at most two"):
            service.totals(EDITION, by=("case", "kind", "day"))


def test_anonymous_visitor_is_sent_to_login(client, world):
    for path in ("/reports", "/reports/export.csv", "/reports/export.json"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_coordinator_sees_only_their_group(client, world, auth):
    auth.login("lyon@example.org")
    page = client.get("/reports?by=group")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Lyon" in text and "Brest" not in text
    data = client.get("/reports/export.json?by=case").get_json()
    assert data["total"] == 10
    assert client.get("/reports?group=Brest").status_code == 403


def test_admin_sees_everything_with_a_totals_row(client, world, auth):
    auth.login("admin@example.org")
    text = client.get("/reports?by=case&by=event").get_data(as_text=True)
    assert "Brest" in text and "Lyon" in text
    assert "<tfoot>" in text and ">22<" in text
    assert "<svg" in text and "<title" in text  # server-side charts


def test_bad_breakdown_is_a_clear_400(client, world, auth):
    auth.login("admin@example.org")
    response = client.get("/reports?by=colour")
    assert response.status_code == 400
    assert b"Unknown breakdown" in response.data


def test_csv_has_bom_and_the_same_numbers_as_json(client, world, auth):
    auth.login("admin@example.org")
    raw = client.get("/reports/export.csv?by=case&by=kind").data
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert lines[0] == ["case", "case_label", "kind", "kind_label", "quantity"]
    assert lines[-1][0] == "TOTAL" and lines[-1][-1] == "22"
    from_csv = {(line[0], line[2]): int(line[4]) for line in lines[1:-1]}
    data = client.get("/reports/export.json?by=case&by=kind").get_json()
    from_json = {(row["case"], row["kind"]): row["quantity"] for row in data["rows"]}
    assert from_csv == from_json
    assert from_json[("alice-a", "appeal")] == 14
    assert data["total"] == 22


def test_pdf_summary_of_an_event_has_its_numbers(client, world, auth):
    from pypdf import PdfReader

    auth.login("lyon@example.org")
    response = client.get(f"/reports/summary.pdf?event={world.code}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Marathon de Lyon" in text and "10" in text and "Bruno B." in text
    assert client.get(f"/reports/summary.pdf?event={world.other_code}").status_code == 403


def test_pdf_summary_of_a_group(client, world, auth):
    from pypdf import PdfReader

    auth.login("admin@example.org")
    response = client.get("/reports/summary.pdf?group=Brest")
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Brest" in text and "11" in text


def test_cli_report_prints_the_same_totals(app, runner, world):
    result = runner.invoke(args=["marathon", "report", "--by", "case", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {row["case"]: row["quantity"] for row in data["rows"]} == {
        "alice-a": 15,
        "bruno-b": 7,
    }
    table = runner.invoke(args=["marathon", "report", "--by", "group", "--group", "Lyon"])
    assert "Lyon" in table.output and "10" in table.output and "Brest" not in table.output
    as_csv = runner.invoke(args=["marathon", "report", "--by", "kind", "--format", "csv"])
    assert as_csv.output.splitlines()[-1] == "TOTAL,,22"
    bad = runner.invoke(args=["marathon", "report", "--group", "Nowhere"])
    assert bad.exit_code != 0 and "No group named Nowhere" in bad.output


def test_summary_pdfs_and_letters_render_side_by_side_in_threads(app):
    """The threaded server renders a report summary while letters render: one font
    configuration is shared, so both take the renderer's lock; every PDF is whole and right."""
    from concurrent.futures import ThreadPoolExecutor

    from marathon.render.letters import render_letter_pdf
    from marathon.reports.exports import summary_pdf
    from tests.render_support import font_files, make_content, pdf_text

    def summary(number: int) -> str:
        with app.test_request_context():
            pdf = summary_pdf(
                title=f"Résumé {number}",
                subtitle="Lyon",
                sections=[{"title": "Cas", "rows": [("Damisoa", number)]}],
                total=number,
            )
        assert all(embedded for _, embedded in font_files(pdf))
        return pdf_text(pdf)

    def letter(number: int) -> str:
        return pdf_text(render_letter_pdf(make_content(code=f"ABCD-{number:04d}")))

    with ThreadPoolExecutor(max_workers=6) as pool:
        summaries = list(pool.map(summary, range(6)))
        letters = list(pool.map(letter, range(6)))
    for number, text in enumerate(summaries):
        assert f"Résumé {number}" in text and "Damisoa" in text
    for number, text in enumerate(letters):
        assert f"ABCD-{number:04d}" in text
