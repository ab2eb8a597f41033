"""The case folders: the sample cases are valid, and broken files give errors naming file and field.

These tests read folders only (no database), so they run once rather than per database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from marathon.cases.loader import CaseFileError, CaseValidationError, read_cases
from marathon.cases.models import OUTCOME_KINDS
from marathon.kinds import KIND_NAMES

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
REQUIRED_LANGUAGES = {"fr", "en", "es"}


@pytest.fixture
def cases_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped cases/ folder, to break."""
    target = tmp_path / "cases"
    shutil.copytree(CASES_DIR, target)
    return target


def errors_of(cases_dir: Path) -> list[CaseFileError]:
    with pytest.raises(CaseValidationError) as raised:
        read_cases(cases_dir)
    return raised.value.errors


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_sample_cases_are_valid_and_damisoa_comes_first() -> None:
    cases = read_cases(CASES_DIR)
    assert len(cases) >= 6
    assert {case.edition for case in cases} == {2025}
    assert cases[0].slug == "damisoa"
    assert cases[0].country == "MG"


def test_every_sample_case_has_french_english_spanish_and_its_kinds_texts() -> None:
    for case in read_cases(CASES_DIR):
        assert set(case.texts) >= REQUIRED_LANGUAGES, case.slug
        assert set(case.kinds) <= set(KIND_NAMES)
        for language, texts in case.texts.items():
            for key in ("title", "summary", "story", "ask", "card_rules"):
                assert texts.get(key), (case.slug, language, key)
            if "appeal" in case.kinds:
                assert texts.get("appeal_body"), (case.slug, language)
                assert case.appeal_salutation.get(language), (case.slug, language)
            if "card" in case.kinds or "postcard" in case.kinds:
                assert texts.get("card_message"), (case.slug, language)
            assert case.photo_alt.get(language), (case.slug, language)


def test_manahel_offers_arabic_for_a_right_to_left_appeal() -> None:
    manahel = next(c for c in read_cases(CASES_DIR) if c.slug == "manahel-al-otaibi")
    assert manahel.country == "SA"
    assert "ar" in manahel.texts
    assert "appeal" in manahel.kinds
    assert manahel.texts["ar"]["appeal_body"]
    assert manahel.appeal_salutation["ar"]


def test_at_least_one_sample_case_has_a_dated_release() -> None:
    outcomes = [o for case in read_cases(CASES_DIR) for o in case.outcomes]
    assert all(o.kind in OUTCOME_KINDS for o in outcomes)
    released = [o for o in outcomes if o.kind == "released"]
    assert released
    assert str(released[0].date) == "2025-01-23"


def test_values_not_in_the_sources_are_marked_as_samples() -> None:
    for case in read_cases(CASES_DIR):
        assert "photo" in case.sample_fields, case.slug
        assert case.photo and case.photo.endswith(".svg")
        if case.appeal_addressee:
            assert "appeal_addressee" in case.sample_fields
            assert "SAMPLE" in case.appeal_addressee["name"]


def test_a_missing_required_field_names_the_file_and_the_field(cases_copy: Path) -> None:
    edit(cases_copy / "2025/damisoa/case.toml", 'person = "Damisoa"\n', "")
    errors = errors_of(cases_copy)
    assert [(e.path, e.field) for e in errors] == [("cases/2025/damisoa/case.toml", "person")]
    assert str(errors[0]) == ("cases/2025/damisoa/case.toml: field 'person': " + errors[0].message)


def test_a_bad_country_code_is_reported(cases_copy: Path) -> None:
    edit(cases_copy / "2025/damisoa/case.toml", 'country = "MG"', 'country = "XX"')
    errors = errors_of(cases_copy)
    assert [(e.path, e.field) for e in errors] == [("cases/2025/damisoa/case.toml", "country")]
    assert "'XX'" in errors[0].message


def test_a_bad_outcome_kind_and_a_bad_date_are_reported(cases_copy: Path) -> None:
    outcomes = cases_copy / "2025/abdul-baqi-saeed-abdo/outcomes.toml"
    edit(outcomes, 'kind = "released"', 'kind = "freed"')
    edit(outcomes, "date = 2025-01-23", 'date = "2025-13-45"')
    errors = errors_of(cases_copy)
    fields = {(e.path, e.field) for e in errors}
    path = "cases/2025/abdul-baqi-saeed-abdo/outcomes.toml"
    assert fields == {(path, "outcomes[1].kind"), (path, "outcomes[1].date")}
    assert any("'freed'" in e.message for e in errors)
    assert any("2025-13-45" in e.message for e in errors)


def test_a_missing_photo_is_reported(cases_copy: Path) -> None:
    (cases_copy / "2025/sherifa-riahi/photo.svg").unlink()
    errors = errors_of(cases_copy)
    assert [(e.path, e.field) for e in errors] == [("cases/2025/sherifa-riahi/case.toml", "photo")]
    assert "photo.svg" in errors[0].message


def test_a_photo_that_is_not_a_picture_is_reported(cases_copy: Path) -> None:
    folder = cases_copy / "2025/sherifa-riahi"
    (folder / "photo.png").write_bytes(b"not a png at all")
    edit(folder / "case.toml", 'photo = "photo.svg"', 'photo = "photo.png"')
    errors = errors_of(cases_copy)
    assert [(e.field) for e in errors] == ["photo"]


def test_malformed_toml_is_reported_with_its_file(cases_copy: Path) -> None:
    path = cases_copy / "2025/justyna-wydrzynska/texts/en.toml"
    path.write_text(path.read_text() + '\nask = "unterminated\n')
    errors = errors_of(cases_copy)
    assert [(e.path, e.field) for e in errors] == [
        ("cases/2025/justyna-wydrzynska/texts/en.toml", None)
    ]
    assert "TOML" in errors[0].message


def test_a_language_without_its_required_texts_is_reported(cases_copy: Path) -> None:
    texts = cases_copy / "2025/damisoa/texts"
    (texts / "de.toml").write_text('title = "Damisoa"\n')
    edit(cases_copy / "2025/damisoa/case.toml", '"es"]', '"es", "de"]')
    errors = errors_of(cases_copy)
    missing = {e.field for e in errors if e.path == "cases/2025/damisoa/texts/de.toml"}
    assert {"summary", "story", "ask", "card_rules", "appeal_body", "card_message"} <= missing


def test_a_text_file_not_listed_in_languages_is_reported(cases_copy: Path) -> None:
    shutil.copy(
        cases_copy / "2025/damisoa/texts/en.toml", cases_copy / "2025/damisoa/texts/pl.toml"
    )
    errors = errors_of(cases_copy)
    assert [(e.field) for e in errors] == ["languages"]
    assert "pl.toml" in errors[0].message


def test_unknown_kind_theme_and_misspelt_field_are_reported(cases_copy: Path) -> None:
    path = cases_copy / "2025/damisoa/case.toml"
    edit(path, '"solidarity_postcard"]', '"poster"]')
    edit(path, '"climate",', '"weather",')
    edit(path, "position = 1", "positon = 1")
    errors = errors_of(cases_copy)
    fields = sorted(e.field or "" for e in errors)
    assert fields == ["kinds", "position", "positon", "themes"]
    misspelt = next(e for e in errors if e.field == "positon")
    assert "position" in misspelt.message


def test_a_duplicate_slug_is_reported(cases_copy: Path) -> None:
    shutil.copytree(cases_copy / "2025/damisoa", cases_copy / "2025/damisoa-copy")
    errors = errors_of(cases_copy)
    assert [(e.path, e.field) for e in errors] == [("cases/2025/damisoa-copy/case.toml", "slug")]


def test_every_error_of_every_folder_is_collected_at_once(cases_copy: Path) -> None:
    edit(cases_copy / "2025/damisoa/case.toml", 'country = "MG"', 'country = "XX"')
    (cases_copy / "2025/sherifa-riahi/photo.svg").unlink()
    edit(cases_copy / "2025/justyna-wydrzynska/case.toml", "position = 5", 'position = "five"')
    errors = errors_of(cases_copy)
    assert {e.path.split("/")[2] for e in errors} == {
        "damisoa",
        "sherifa-riahi",
        "justyna-wydrzynska",
    }


def test_drafts_starting_with_an_underscore_are_ignored(cases_copy: Path) -> None:
    (cases_copy / "2025/_draft").mkdir()
    (cases_copy / "2025/_draft/case.toml").write_text("not = [valid\n")
    assert len(read_cases(cases_copy)) == len(read_cases(CASES_DIR))
