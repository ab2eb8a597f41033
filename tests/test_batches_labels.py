"""Address labels: the same envelopes as the print files, the right destination for each kind,
text inside the printable area of both label sheets, Arabic lines in the Naskh face."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from marathon.batches import service
from marathon.batches.labels import SHEETS
from marathon.extensions import db
from tests.batches_support import (
    SIZES,
    all_codes,
    batch_files,
    codes_in,
    envelopes_of,
    make_case,
    make_letters,
    page_texts,
)

MM = 72 / 25.4
EDGE = 4 * MM
ARABIC_LINE = "حي السفارات، الرياض"


def _cases(*, long_lines: bool = False, arabic: bool = False) -> tuple[int, int]:
    amina = make_case(
        "amina",
        "Amina Rakoto",
        authority="Rabe Ministry" + (" of Justice, Human Rights and Public Liberties" * long_lines),
        card_to="Amnesty Section Paris",
        position=1,
        long_lines=long_lines,
    )
    manahel = make_case(
        "manahel",
        "Manahel al-Otaibi",
        authority="Saudi Royal Court",
        card_to="Amnesty Section Lyon",
        country="SA",
        kinds=("appeal", "card"),
        languages=("en", "ar"),
        position=2,
        long_lines=long_lines,
    )
    if arabic:
        from marathon.cases.models import Case

        case = db.session.get(Case, manahel)
        address = dict(case.appeal_addressee)
        address["address_lines"] = [ARABIC_LINE, *address["address_lines"]]
        case.appeal_addressee = address
        db.session.commit()
    return amina, manahel


def _every_kind(amina: int, manahel: int) -> None:
    make_letters(2, case_ids=[amina], kind="appeal")
    make_letters(1, case_ids=[amina], kind="appeal", paper="letter")
    make_letters(2, case_ids=[amina], kind="postcard")
    make_letters(2, case_ids=[amina], kind="card")
    make_letters(1, case_ids=[amina], kind="solidarity_postcard")
    make_letters(2, case_ids=[manahel], kind="appeal")
    make_letters(2, case_ids=[manahel], kind="card", language="ar")


def _labels(data: bytes, paper: str) -> list[dict]:
    """Each label's words, lines (top to bottom) and reference code, in sheet order."""
    sheet = SHEETS[paper]
    known = set(all_codes())
    labels = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            cells: dict[int, list[dict]] = {}
            for word in page.extract_words():
                x, y = (word["x0"] + word["x1"]) / 2 / MM, (word["top"] + word["bottom"]) / 2 / MM
                for index in range(sheet.per_sheet):
                    left, top = sheet.position(index)
                    if (
                        left <= x <= left + sheet.label_width
                        and top <= y <= top + sheet.label_height
                    ):
                        cells.setdefault(index, []).append(word)
                        break
                else:
                    raise AssertionError(f"a word outside every label: {word['text']!r}")
            for index in sorted(cells):
                words = cells[index]
                reference = [w["text"] for w in words if w["text"] in known]
                rows: dict[float, list[dict]] = {}
                for word in words:
                    if word["text"] in known:
                        continue
                    key = next((top for top in rows if abs(top - word["top"]) < 1.5), word["top"])
                    rows.setdefault(key, []).append(word)
                lines = [
                    " ".join(w["text"] for w in sorted(rows[top], key=lambda w: w["x0"]))
                    for top in sorted(rows)
                ]
                labels.append(
                    {"index": index, "words": words, "lines": lines, "reference": reference}
                )
    return labels


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_labels_match_the_envelopes_in_order_and_per_letter(app, paper):
    with app.app_context():
        amina, manahel = _cases()
        _every_kind(amina, manahel)
        letters = service.start_batch("letters", {}, paper)
        db.session.refresh(letters)
        covers = []  # (address, codes of the pieces behind the cover), in file order
        for _entry, data in batch_files(app, letters)[1:]:
            for cover, pages in envelopes_of(data):
                covers.append((cover["address"], set(codes_in("\n".join(pages), all_codes()))))
        assert len(covers) == 7  # appeal A4 ×2, appeal Letter, postcards, cards ×2, solidarity

        per_envelope = service.start_batch("labels", {"labels_per": "destination"}, paper)
        db.session.refresh(per_envelope)
        [(entry, data)] = batch_files(app, per_envelope)
        labels = _labels(data, paper)
        assert [label["lines"] for label in labels] == [address for address, _codes in covers]
        assert not any(label["reference"] for label in labels)
        assert [e["number"] for e in entry["envelopes"]] == list(range(1, len(covers) + 1))

        per_letter = service.start_batch("labels", {"labels_per": "letter"}, paper)
        db.session.refresh(per_letter)
        [(_entry, data)] = batch_files(app, per_letter)
        labels = _labels(data, paper)
        assert len(labels) == sum(len(codes) for _address, codes in covers)
        for label in labels:
            [code] = label["reference"]
            holding = [address for address, codes in covers if code in codes]
            assert len(holding) == 1, (code, covers)
            [address] = holding
            assert label["lines"] == address, code  # the label of the envelope the piece is in


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_label_text_stays_four_millimetres_inside_the_sheet(app, paper):
    with app.app_context():
        amina, manahel = _cases(long_lines=True)
        make_letters(SHEETS[paper].per_sheet, case_ids=[amina, manahel], kind="appeal")
        make_letters(3, case_ids=[amina, manahel], kind="card")
        batch = service.start_batch("labels", {"labels_per": "letter"}, paper)
        db.session.refresh(batch)
        [(_entry, data)] = batch_files(app, batch)
        width, height = SIZES[paper]
        labels = _labels(data, paper)
        assert len(labels) == SHEETS[paper].per_sheet + 3
        for label in labels:
            for word in label["words"]:
                assert word["x0"] >= EDGE and word["top"] >= EDGE, word
                assert word["x1"] <= width - EDGE and word["bottom"] <= height - EDGE, word
            # Nothing cut: every word of the address is on the label.
            text = " ".join(label["lines"])
            assert (
                "Justice, Human Rights and Public Liberties" in text
                or "Saudi" in text
                or ("Amnesty Section" in text)
            )
            assert "Building of the Ministry, Office 1201, twelfth floor, east wing" in text
            assert "…" not in text
        # The long ones were set smaller to fit, the sheet's own size is the largest.
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            sizes = {round(char["size"], 1) for page in pdf.pages for char in page.chars}
        assert max(sizes) <= SHEETS[paper].font_size + 0.01


def test_arabic_address_lines_print_in_the_naskh_face(app):
    with app.app_context():
        _amina, manahel = _cases(arabic=True)
        make_letters(1, case_ids=[manahel], kind="appeal")
        labels = service.start_batch("labels", {"labels_per": "destination"}, "a4")
        letters = service.start_batch("letters", {}, "a4")
        for batch in (labels, letters):
            db.session.refresh(batch)
            for entry, data in batch_files(app, batch):
                if entry["kind"] == "contents":
                    continue
                with pdfplumber.open(io.BytesIO(data)) as pdf:
                    arabic = [
                        char for char in pdf.pages[0].chars if "\u0600" <= char["text"] <= "\u06ff"
                    ]
                # The line is there, every letter of it in the Naskh face (not a fallback).
                assert len(arabic) >= len(ARABIC_LINE.replace(" ", "").replace("،", "")), entry
                assert all("Naskh" in char["fontname"] for char in arabic)


def test_an_arabic_cards_reference_prints_as_its_code(app):
    """A label's reference must read on its card as on the label, whatever the card's script."""
    from marathon.letters.models import Letter

    with app.app_context():
        _amina, manahel = _cases()
        [letter_id] = make_letters(1, case_ids=[manahel], kind="card", language="ar")
        letter = db.session.get(Letter, letter_id)
        letter.code = "2604-A395"
        db.session.commit()
        batch = service.start_batch("letters", {}, "a4")
        db.session.refresh(batch)
        [(_c, _cd), (_entry, data)] = batch_files(app, batch)
        assert "2604-A395" in "\n".join(page_texts(data))
