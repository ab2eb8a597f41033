"""Loading the case folders into the database: idempotent, all-or-nothing, never deleting."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from marathon.cases.models import Case, Outcome
from marathon.cases.service import CaseValidationError, get_case, list_cases, load_cases
from marathon.extensions import db

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"


@pytest.fixture
def cases_copy(tmp_path: Path) -> Path:
    target = tmp_path / "cases"
    shutil.copytree(CASES_DIR, target)
    return target


def snapshot() -> list[tuple]:
    """Everything the loader may change, to compare before and after."""
    cases = db.session.execute(
        select(Case.slug, Case.edition, Case.active, Case.content_hash, Case.country).order_by(
            Case.slug
        )
    ).all()
    outcomes = db.session.execute(
        select(Outcome.case_id, Outcome.date, Outcome.kind).order_by(Outcome.id)
    ).all()
    return [tuple(row) for row in cases] + [tuple(row) for row in outcomes]


def test_loading_twice_duplicates_nothing(app: Flask) -> None:
    with app.app_context():
        first = load_cases()
        assert first.added == first.cases >= 6
        assert first.outcomes >= 1
        before = snapshot()
        second = load_cases()
        assert (second.added, second.updated, second.unchanged) == (0, 0, first.cases)
        assert snapshot() == before
        assert db.session.scalar(select(func.count()).select_from(Case)) == first.cases
        assert str(second) == (
            f"{first.cases} cases: 0 added, 0 updated, {first.cases} unchanged; "
            f"{first.outcomes} outcomes"
        )


def test_loaded_cases_keep_texts_outcomes_and_order(app: Flask) -> None:
    with app.app_context():
        load_cases()
        cases = list_cases(2025)
        assert cases[0].slug == "damisoa"
        manahel = get_case("manahel-al-otaibi", 2025)
        assert manahel is not None
        assert manahel.languages == ["fr", "en", "es", "ar"]
        assert manahel.appeal_salutation["ar"]
        abdo = get_case("abdul-baqi-saeed-abdo")
        assert abdo is not None
        assert [(str(o.date), o.kind, o.positive) for o in abdo.outcomes] == [
            ("2025-01-23", "released", True)
        ]
        assert "fr" in abdo.outcomes[0].notes


def test_a_changed_case_is_updated_and_a_removed_one_made_inactive(
    app: Flask, cases_copy: Path
) -> None:
    with app.app_context():
        load_cases(str(cases_copy))
        damisoa_id = get_case("damisoa").id
        summary = cases_copy / "2025/damisoa/texts/en.toml"
        summary.write_text(summary.read_text().replace("deep hardship", "great hardship"))
        shutil.rmtree(cases_copy / "2025/sherifa-riahi")
        outcomes = cases_copy / "2025/abdul-baqi-saeed-abdo/outcomes.toml"
        outcomes.write_text(outcomes.read_text().replace('notes.en = "Yemeni', 'notes.en = "A'))

        report = load_cases(str(cases_copy))

        assert (report.added, report.updated, report.deactivated) == (0, 2, 1)
        damisoa = get_case("damisoa")
        assert damisoa.id == damisoa_id
        assert "great hardship" in damisoa.texts["en"]["summary"]
        assert get_case("sherifa-riahi") is None
        kept = get_case("sherifa-riahi", include_inactive=True)
        assert kept is not None and kept.active is False
        assert "sherifa-riahi" not in [c.slug for c in list_cases(2025)]
        abdo = get_case("abdul-baqi-saeed-abdo")
        assert len(abdo.outcomes) == 1
        assert abdo.outcomes[0].notes["en"].startswith("A asylum")


def test_a_broken_folder_changes_nothing_in_the_database(app: Flask, cases_copy: Path) -> None:
    with app.app_context():
        load_cases(str(cases_copy))
        before = snapshot()
        case_file = cases_copy / "2025/damisoa/case.toml"
        case_file.write_text(case_file.read_text().replace('country = "MG"', 'country = "XX"'))
        texts = cases_copy / "2025/manahel-al-otaibi/texts/en.toml"
        texts.write_text(texts.read_text().replace("deep", "deeper") + "\nstory = 3\n")
        (cases_copy / "2025/justyna-wydrzynska/photo.svg").unlink()

        with pytest.raises(CaseValidationError) as raised:
            load_cases(str(cases_copy))

        paths = {error.path for error in raised.value.errors}
        assert paths == {
            "cases/2025/damisoa/case.toml",
            "cases/2025/manahel-al-otaibi/texts/en.toml",
            "cases/2025/justyna-wydrzynska/case.toml",
        }
        assert snapshot() == before


def test_cli_prints_each_error_on_its_own_line_and_exits_1(
    app: Flask, runner: FlaskCliRunner, cases_copy: Path
) -> None:
    case_file = cases_copy / "2025/damisoa/case.toml"
    case_file.write_text(case_file.read_text().replace('country = "MG"', 'country = "XX"'))
    result = runner.invoke(args=["marathon", "load-cases", "--dir", str(cases_copy)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("cases/2025/damisoa/case.toml: field 'country': 'XX'")
    assert "nothing was loaded" in lines[-1]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_cli_check_validates_without_loading(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["marathon", "load-cases", "--check"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    result = runner.invoke(args=["marathon", "load-cases"])
    assert result.exit_code == 0, result.output
    assert "added" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) >= 6


def test_reloading_keeps_outcomes_recorded_in_the_app(app: Flask, cases_copy: Path) -> None:
    with app.app_context():
        load_cases(str(cases_copy))
        damisoa = get_case("damisoa")
        damisoa.outcomes.append(
            Outcome(date=date(2025, 6, 1), kind="no_change", notes={"en": "Still no aid."})
        )
        db.session.commit()
        story = cases_copy / "2025/damisoa/texts/en.toml"
        story.write_text(story.read_text().replace("deep hardship", "great hardship"))

        assert load_cases(str(cases_copy)).updated == 1

        assert [o.kind for o in get_case("damisoa").outcomes] == ["no_change"]
