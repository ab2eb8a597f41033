"""Batches built by the job (eager mode): one file per kind and paper, one kind and one addressee
per envelope, every page of a file on the file's own sheet; imposition; label sheets."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from collections.abc import Iterator

import pytest

from marathon.batches import assembly, service
from marathon.batches.models import Batch
from marathon.batches.rendering import LetterFailed
from marathon.cases.models import Case
from marathon.extensions import db
from marathon.kinds import KINDS
from marathon.letters.models import Letter
from tests.batches_support import (
    SIZES,
    batch_files,
    codes_in,
    envelopes_of,
    expected_destination,
    kind_of_label,
    letter_codes,
    make_case,
    make_letters,
    page_sizes,
    page_texts,
    same_size,
)

AMINA = {"authority": "Rabe Ministry", "card_to": "Amnesty Section Paris"}
MANAHEL = {"authority": "Saudi Royal Court", "card_to": "Amnesty Section Lyon"}


def _two_cases() -> tuple[int, int]:
    amina = make_case("amina", "Amina Rakoto", position=1, **AMINA)
    manahel = make_case(
        "manahel",
        "Manahel al-Otaibi",
        country="SA",
        kinds=("appeal", "card"),
        languages=("en", "ar"),
        position=2,
        long_lines=True,
        **MANAHEL,
    )
    return amina, manahel


def _letters_by_code(codes: list[str]) -> dict[str, Letter]:
    found = db.session.scalars(db.select(Letter).where(Letter.code.in_(codes))).all()
    return {letter.code: letter for letter in found}


@pytest.fixture(params=["here", "apart"])
def sheets_apart(request, monkeypatch) -> Iterator[bool]:
    """Covers and the contents sheet rendered by this process, or by a process of their own
    while this one merges the pieces (each cover then goes in its place afterwards)."""
    if request.param == "here":
        yield False
        return
    monkeypatch.setattr(assembly, "SHEETS_APART_FROM", 0)
    # Earlier tests of the run leave idle threads behind (the in-process job pool); a worker
    # process has none. Holding no lock, they cannot block the fork this test is about.
    monkeypatch.setattr(assembly.threading, "active_count", lambda: 1)
    real = assembly.get_context

    def counted(method: str):
        forks.append(method)
        return real(method)

    forks: list[str] = []
    monkeypatch.setattr(assembly, "get_context", counted)
    yield True
    assert forks and set(forks) == {"fork"}, "the sheets were rendered by a process of their own"


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_kind_in_its_own_file_one_kind_and_one_addressee_per_envelope(
    app, paper, sheets_apart
):
    with app.app_context():
        amina, manahel = _two_cases()
        ids = []
        # Written in a jumble: the batch sorts them out.
        ids += make_letters(1, case_ids=[amina], kind="card", language="en")
        ids += make_letters(2, case_ids=[amina], kind="appeal", language="en")
        ids += make_letters(3, case_ids=[manahel], kind="card", language="ar")
        ids += make_letters(3, case_ids=[amina], kind="postcard", language="fr")
        ids += make_letters(1, case_ids=[amina], kind="appeal", paper="letter", language="fr")
        ids += make_letters(2, case_ids=[manahel], kind="appeal", language="en")
        ids += make_letters(2, case_ids=[amina], kind="solidarity_postcard", language="en")
        ids += make_letters(2, case_ids=[amina], kind="card", language="fr")
        batch = service.start_batch("letters", {}, paper)
        db.session.refresh(batch)
        assert batch.status == "done", batch.error
        files = batch_files(app, batch)
        known = letter_codes(ids)

        contents, prints = files[0], files[1:]
        assert contents[0]["kind"] == "contents" and contents[0]["paper"] == paper
        assert [(entry["kind"], entry["paper"]) for entry, _data in prints] == [
            ("appeal", "a4"),
            ("appeal", "letter"),
            ("postcard", paper),
            ("card", paper),
            ("solidarity_postcard", paper),
        ]
        assert batch.pages == sum(entry["pages"] for entry, _data in files)

        seen: Counter[str] = Counter()
        number = 0
        for entry, data in files:
            # One paper size per file, page by page.
            sizes = page_sizes(data)
            assert len(sizes) == entry["pages"] and entry["size"] == len(data)
            assert all(same_size(size, entry["paper"]) for size in sizes), (entry["name"], sizes)
            if entry["kind"] == "contents":
                continue
            kind = KINDS[entry["kind"]]
            envelopes = envelopes_of(data)
            assert len(envelopes) == len(entry["envelopes"])
            for cover, pages in envelopes:
                number += 1
                assert cover["number"] == number and cover["file"] == entry["name"]
                assert kind_of_label(cover["label"]) == entry["kind"]
                text = "\n".join(pages)
                codes = codes_in(text, known)
                letters = _letters_by_code(codes)
                assert len(codes) == len(letters) == cover["count"]
                # Every piece behind the cover is of the cover's kind, of one case, on the
                # file's paper (appeal letters), and the cover's address is where that kind of
                # that case is sent.
                assert {letter.kind for letter in letters.values()} == {entry["kind"]}
                case_ids = {letter.case_id for letter in letters.values()}
                assert len(case_ids) == 1
                case = db.session.get(Case, case_ids.pop())
                assert cover["case"] == case.person
                if not kind.imposed:
                    assert {letter.paper for letter in letters.values()} == {entry["paper"]}
                addresses = AMINA if case.slug == "amina" else MANAHEL
                assert cover["address"] == expected_destination(case.id, entry["kind"])
                greeting = f"Dear {case.person.split()[0]}"
                if kind.to_authority:
                    assert cover["address"][0].endswith(addresses["authority"])
                    # Each piece names the authority (its address block), none greets the person
                    # or names the place cards go to.
                    assert text.count(addresses["authority"]) >= cover["count"]
                    assert greeting not in text and addresses["card_to"] not in text
                else:
                    assert cover["address"][0] == addresses["card_to"]
                    # A card or postcard of solidarity greets the person, and never sits behind
                    # the authority's cover.
                    assert text.count(greeting) == cover["count"]
                    assert addresses["authority"] not in text
                seen.update(codes)
        assert sorted(seen) == sorted(letter_codes(ids))
        assert set(seen.values()) == {1}, "every piece printed once"

        contents_text = "\n".join(page_texts(contents[1]))
        for entry, _data in prints:
            assert entry["name"] in contents_text.replace("\n", "")
        assert f"{number}" in contents_text


def test_letters_start_on_a_front_and_covers_have_blank_backs(app):
    with app.app_context():
        amina, manahel = _two_cases()
        ids = make_letters(3, case_ids=[amina, manahel]) + make_letters(
            1, case_ids=[amina], body_lines=60
        )
        assert service.preview_batch({}, "letters", "a4")[0] == 4
        batch = service.start_batch("letters", {}, "a4")
        db.session.refresh(batch)
        assert batch.status == "done", batch.error
        (_contents, _), (entry, data) = batch_files(app, batch)
        assert entry["kind"] == "appeal"
        pages = page_texts(data)
        letters = db.session.scalars(db.select(Letter).where(Letter.id.in_(ids))).all()
        assert any(letter.pdf_pages >= 2 for letter in letters)
        expected = 2 * 2 + sum(letter.pdf_pages + letter.pdf_pages % 2 for letter in letters)
        assert len(pages) == expected == entry["pages"]
        for code in letter_codes(ids):
            starts = [i for i, text in enumerate(pages) if code in text]
            assert starts and starts[0] % 2 == 0, "each letter starts on a front side"
        covers = [i for i, text in enumerate(pages) if "PRINT BATCH" in text.upper()]
        assert len(covers) == 2 and all(i % 2 == 0 for i in covers)
        assert all(not pages[i + 1].strip() for i in covers), "the back of a cover is blank"
        # The preview counted the same pages (and the contents sheet).
        assert service.preview_batch({}, "letters", "a4")[1] == batch.pages


def test_a_cover_that_runs_over_a_page_keeps_its_envelopes_pieces_behind_it(app, sheets_apart):
    with app.app_context():
        amina, manahel = _two_cases()
        case = db.session.get(Case, manahel)
        address = dict(case.appeal_addressee)
        address["address_lines"] = [f"Building {n}, corridor {n}" for n in range(40)]
        case.appeal_addressee = address  # forty lines: the cover takes two pages
        db.session.commit()
        ids = make_letters(60, case_ids=[amina, manahel], language="en")
        batch = service.start_batch("letters", {}, "a4")
        db.session.refresh(batch)
        assert batch.status == "done", batch.error
        (_contents, contents_data), (entry, data) = batch_files(app, batch)
        pages = page_texts(data)
        assert len(pages) == entry["pages"]
        covers = [i for i, text in enumerate(pages) if "PRINT BATCH" in text.upper()]
        assert len(covers) == 2 and all(i % 2 == 0 for i in covers)
        first, second = covers
        assert "Rabe Ministry" in pages[first] and not pages[first + 1].strip()  # a blank back
        assert "Saudi Royal Court" in pages[second]
        assert "corridor 39" in pages[second + 1]  # the rest of its address, on the back
        known = letter_codes(ids)
        behind = {index: codes_in(text, known) for index, text in enumerate(pages)}
        for code in known:
            where = next(index for index, codes in behind.items() if code in codes)
            assert where % 2 == 0 and where not in covers and where - 1 not in covers
            assert (first < where < second) == (code in letter_codes(ids[::2]))
        # The contents sheet gives the file's pages, the two-page cover counted.
        contents_text = " ".join(page_texts(contents_data)).replace("-\n", "-")
        assert re.search(rf"{entry['name']}\s.*?\s{entry['pages']}\s", contents_text, re.S)

        # Its envelope alone in a batch: the two pages, then its letters.
        alone = service.start_batch("letters", {"case_id": manahel}, "a4")
        db.session.refresh(alone)
        (_contents, _data), (entry, data) = batch_files(app, alone)
        pages = page_texts(data)
        assert "Saudi Royal Court" in pages[0] and "corridor 39" in pages[1]
        assert len(pages) == entry["pages"] == 2 + 2 * 30
        assert sorted(code for text in pages[2::2] for code in codes_in(text, known)) == sorted(
            letter_codes(ids[1::2])
        )


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_postcards_are_imposed_four_up_fronts_then_mirrored_backs(app, paper):
    with app.app_context():
        amina, _manahel = _two_cases()
        make_letters(5, case_ids=[amina], kind="postcard")
        assert service.preview_batch({}, "letters", paper) == (5, 1 + 2 + 4)
        batch = service.start_batch("letters", {"kind": "postcard"}, paper)
        db.session.refresh(batch)
        (_contents, _), (entry, data) = batch_files(app, batch)
        assert entry["kind"] == "postcard" and entry["two_sided"]
        from io import BytesIO

        from pypdf import PdfReader

        reader = PdfReader(BytesIO(data))
        assert len(reader.pages) == 6  # cover and its blank back, 2 sheets of fronts and backs
        width, _height = SIZES[paper]
        assert all(same_size(size, paper) for size in page_sizes(data))

        def ops(index: int) -> str:
            return reader.pages[index]["/Contents"].get_object().get_data().decode()

        first_front, first_back = ops(2), ops(3)
        assert first_front.count(" Do ") == 4 and first_back.count(" Do ") == 4
        assert ops(4).count(" Do ") == 1

        def x_of(text: str, name: str) -> float:
            match = re.search(r"q ([-\d. ]+) cm " + name + " Do", text)
            return float(match.group(1).split()[4])

        # The top-left front's back sits in the top-right slot (long-edge flip). Fronts turn
        # clockwise (the cm origin is the cell's left edge), backs counter-clockwise (its right).
        middle = width / 2
        assert x_of(first_front, "/C0") < middle - 1 and x_of(first_back, "/C0") > middle + 1
        assert x_of(first_front, "/C1") > middle - 1 and x_of(first_back, "/C1") < middle + 1


@pytest.mark.parametrize(("paper", "scale"), [("a4", 1.0), ("letter", 0.944)])
def test_cards_are_imposed_two_up_upright_one_sided(app, paper, scale):
    with app.app_context():
        amina, _manahel = _two_cases()
        make_letters(3, case_ids=[amina], kind="card")
        batch = service.start_batch("letters", {}, paper)
        db.session.refresh(batch)
        (_contents, _), (entry, data) = batch_files(app, batch)
        assert entry["kind"] == "card" and not entry["two_sided"]
        from io import BytesIO

        from pypdf import PdfReader

        reader = PdfReader(BytesIO(data))
        assert len(reader.pages) == 3  # the cover (one-sided file: no blank back), two sheets
        assert all(same_size(size, paper) for size in page_sizes(data))
        sheet = reader.pages[1]["/Contents"].get_object().get_data().decode()
        placements = re.findall(r"q ([-\d. ]+) cm /C\d Do", sheet)
        assert len(placements) == 2
        for placement in placements:
            a, b, c, d, _x, _y = map(float, placement.split())
            assert b == c == 0 and a == d and abs(a - scale) < 0.001  # upright, whole card
        texts = page_texts(data)
        assert texts[1].count("Dear Amina") == 2 and texts[2].count("Dear Amina") == 1


@pytest.mark.parametrize(("paper", "labels", "pages"), [("a4", 22, 2), ("letter", 22, 1)])
def test_label_sheets_have_the_right_page_count(app, paper, labels, pages):
    with app.app_context():
        amina, manahel = _two_cases()
        ids = make_letters(labels, case_ids=[amina, manahel])
        for letter in db.session.query(Letter).filter(Letter.id.in_(ids)):
            letter.pdf_path = "never-needed.pdf"  # labels need no letter PDF
        db.session.commit()
        assert service.preview_batch({"labels_per": "letter"}, "labels", paper) == (labels, pages)
        batch = service.start_batch("labels", {"labels_per": "letter"}, paper)
        db.session.refresh(batch)
        [(entry, data)] = batch_files(app, batch)
        assert entry["kind"] == "labels" and entry["pages"] == pages == batch.pages
        assert all(same_size(size, paper) for size in page_sizes(data))
        text = "".join(page_texts(data))
        for code in letter_codes(ids):
            assert text.count(code) == 1
        assert (
            db.session.scalar(db.select(db.func.count()).where(Letter.rendered_at.is_not(None)))
            == 0
        )
        per_destination = service.start_batch("labels", {"labels_per": "destination"}, paper)
        db.session.refresh(per_destination)
        assert per_destination.pages == 1


def test_a_letter_not_on_its_files_paper_fails_the_batch_naming_it(app):
    with app.app_context():
        amina, _manahel = _two_cases()
        [good] = make_letters(1, case_ids=[amina])
        [wrong] = make_letters(1, case_ids=[amina])
        batch = service.start_batch("letters", {}, "a4")  # renders both on A4
        db.session.refresh(batch)
        assert batch.status == "done", batch.error
        letter = db.session.get(Letter, wrong)
        letter.paper = "letter"  # its stored PDF is still A4: it must not enter the Letter file
        db.session.commit()
        with pytest.raises(LetterFailed):
            service.start_batch("letters", {}, "a4")
        failed = db.session.scalars(db.select(Batch).order_by(Batch.id.desc())).first()
        assert failed.status == "failed" and f"letter id {wrong}" in failed.error
        assert str(good) not in failed.error.split("letter id")[-1]
        assert service.ready_file(failed) is None and not failed.files


def test_batch_files_render_to_png(app, tmp_path):
    with app.app_context():
        amina, _manahel = _two_cases()
        make_letters(2, case_ids=[amina])
        make_letters(2, case_ids=[amina], kind="card")
        batch = service.start_batch("letters", {}, "a4")
        db.session.refresh(batch)
        for index, (entry, data) in enumerate(batch_files(app, batch)):
            source = tmp_path / entry["name"]
            source.write_bytes(data)
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
                    source,
                    tmp_path / f"{index}",
                ],
                check=True,
                timeout=60,
            )
            assert list(tmp_path.glob(f"{index}-*.png"))
