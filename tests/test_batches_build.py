"""Batches built by the job (eager mode): letters, postcards, labels; their pages and order."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from batches_support import cases, letter_codes, make_letters
from pypdf import PdfReader

from marathon.batches import service
from marathon.batches.imposition import SHEET_SIZES
from marathon.batches.models import Batch
from marathon.extensions import db
from marathon.letters.models import Letter

MM = 72 / 25.4


def _file(app, batch: Batch) -> Path:
    path = service.ready_file(batch)
    assert path is not None, batch.error
    return path


def _text_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def test_letters_batch_has_covers_even_letters_and_every_code_once(loaded_cases):
    with loaded_cases.app_context():
        case_ids = [case.id for case in cases()[:2]]
        ids = make_letters(3, case_ids=case_ids) + make_letters(
            1, case_ids=case_ids[:1], body_lines=60
        )
        assert service.preview_batch({}, "letters", "a4")[0] == 4
        batch = service.start_batch("letters", {}, "a4")
        db.session.refresh(batch)
        assert batch.status == "done", batch.error
        path = _file(loaded_cases, batch)
        pages = _text_pages(path)
        assert batch.pages == len(pages)
        letters = {
            letter.id: letter for letter in db.session.query(Letter).filter(Letter.id.in_(ids))
        }
        expected = 2 * 2 + sum(p + p % 2 for p in (letter.pdf_pages for letter in letters.values()))
        assert len(pages) == expected
        assert any(letter.pdf_pages >= 2 for letter in letters.values())
        for code in letter_codes(ids):
            assert sum(text.count(code) for text in pages) >= 1
            starts = [i for i, text in enumerate(pages) if code in text]
            assert starts[0] % 2 == 0, "each letter starts on a front side"
        slugs = [f"({case.slug})" for case in cases()[:2]]
        covers = [i for i, text in enumerate(pages) if any(slug in text for slug in slugs)]
        assert len(covers) == 2 and all(i % 2 == 0 for i in covers)
        assert not pages[covers[0] + 1].strip(), "the back of a cover sheet is blank"
        total_letters = sum(
            Path(loaded_cases.config["STORAGE_DIR"], letter.pdf_path).stat().st_size
            for letter in letters.values()
        )
        assert batch.file_size <= total_letters


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_postcards_are_imposed_four_up_fronts_then_mirrored_backs(loaded_cases, paper):
    with loaded_cases.app_context():
        case_ids = [case.id for case in cases()[:1]]
        make_letters(5, case_ids=case_ids, kind="postcard")
        assert service.preview_batch({}, "postcards", paper) == (5, 4)
        batch = service.start_batch("postcards", {}, paper)
        db.session.refresh(batch)
        reader = PdfReader(_file(loaded_cases, batch))
        assert len(reader.pages) == 4  # 2 sheets of fronts, 2 of backs
        width, height = SHEET_SIZES[paper]
        for page in reader.pages:
            assert abs(float(page.mediabox.width) - width) < 0.5
            assert abs(float(page.mediabox.height) - height) < 0.5
        first_front = reader.pages[0]["/Contents"].get_object().get_data().decode()
        first_back = reader.pages[1]["/Contents"].get_object().get_data().decode()
        assert first_front.count(" Do ") == 4 and first_back.count(" Do ") == 4
        assert reader.pages[2]["/Contents"].get_object().get_data().decode().count(" Do ") == 1

        def x_of(ops: str, name: str) -> float:
            match = re.search(r"q ([-\d. ]+) cm " + name + " Do", ops)
            return float(match.group(1).split()[4])

        # The top-left front's back sits in the top-right slot (long-edge flip). Fronts turn
        # clockwise (the cm origin is the cell's left edge), backs counter-clockwise (its right).
        middle = width / 2
        assert x_of(first_front, "/C0") < middle - 1 and x_of(first_back, "/C0") > middle + 1
        assert x_of(first_front, "/C1") > middle - 1 and x_of(first_back, "/C1") < middle + 1


@pytest.mark.parametrize(("paper", "labels", "pages"), [("a4", 22, 2), ("letter", 22, 1)])
def test_label_sheets_have_the_right_page_count(loaded_cases, paper, labels, pages):
    with loaded_cases.app_context():
        case_ids = [case.id for case in cases()[:2]]
        ids = make_letters(labels, case_ids=case_ids)
        for letter in db.session.query(Letter).filter(Letter.id.in_(ids)):
            letter.pdf_path = "never-needed.pdf"  # labels need no letter PDF
        db.session.commit()
        assert service.preview_batch({"labels_per": "letter"}, "labels", paper) == (labels, pages)
        batch = service.start_batch("labels", {"labels_per": "letter"}, paper)
        db.session.refresh(batch)
        reader = PdfReader(_file(loaded_cases, batch))
        assert len(reader.pages) == pages
        text = "".join(page.extract_text() for page in reader.pages)
        for code in letter_codes(ids):
            assert text.count(code) == 1
        per_destination = service.start_batch("labels", {"labels_per": "destination"}, paper)
        db.session.refresh(per_destination)
        assert per_destination.pages == 1


def test_batch_pdf_renders_to_png(loaded_cases, tmp_path):
    with loaded_cases.app_context():
        make_letters(2, case_ids=[cases()[0].id])
        batch = service.start_batch("letters", {}, "a4")
        db.session.refresh(batch)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "20",
                "-f",
                "1",
                "-l",
                "3",
                str(_file(loaded_cases, batch)),
                str(tmp_path / "page"),
            ],
            check=True,
            timeout=60,
        )
        assert len(list(tmp_path.glob("page-*.png"))) == 3
