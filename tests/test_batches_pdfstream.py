"""The streaming PDF writer: each page copied is the page it should be, in order and at its
size; identical objects are written once, with a bounded memory of them; inherited page
attributes come along, and neither links nor other pages' trees are dragged in."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest

from marathon.batches import pdfstream
from marathon.extensions import db
from marathon.letters.jobs import render_letter
from marathon.letters.models import Letter
from tests.batches_support import make_case, make_letters, page_sizes, page_texts


def _small(value: int) -> bytes:
    return b"<< /N %d >>" % value


def _large(writer: pdfstream.PdfStreamWriter, fill: bytes) -> int:
    return writer.write_object(b"<< >>", stream=fill * pdfstream.LARGE_OBJECT_BYTES)


def test_large_objects_are_written_once_however_far_apart():
    writer = pdfstream.PdfStreamWriter(io.BytesIO())
    font = _large(writer, b"F")
    for value in range(pdfstream.SMALL_OBJECTS_REMEMBERED * 2):
        writer.write_object(_small(value))
    assert _large(writer, b"F") == font
    assert _large(writer, b"G") != font


def test_small_objects_shared_by_every_letter_stay_remembered_and_the_index_stays_bounded():
    writer = pdfstream.PdfStreamWriter(io.BytesIO())
    shared = writer.write_object(_small(-1))
    first = writer.write_object(_small(0))
    for value in range(1, pdfstream.SMALL_OBJECTS_REMEMBERED * 3):
        writer.write_object(_small(value))  # one letter's own object: never seen again
        assert writer.write_object(_small(-1)) == shared  # used by every letter
    assert len(writer._seen_small) <= pdfstream.SMALL_OBJECTS_REMEMBERED
    # A small object not seen for a long while is forgotten and written again: a few bytes more.
    assert writer.write_object(_small(0)) != first


# --- copying real letters ---------------------------------------------------------------------


def _font_files(data: bytes) -> int:
    """Font programs in the PDF ``data`` (streams a font descriptor points to)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        found = set()
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        found.add(obj[key].objgen)
        return len(found)


def _rendered(ids: list[int]) -> list[bytes]:
    """The PDFs of letters ``ids`` (rendered now), in that order."""
    from flask import current_app

    storage = Path(current_app.config["STORAGE_DIR"])
    pdfs = []
    for letter_id in ids:
        render_letter(letter_id)
        letter = db.session.get(Letter, letter_id)
        pdfs.append((storage / letter.pdf_path).read_bytes())
    return pdfs


def test_every_page_is_its_letters_page_in_order_at_its_size_and_fonts_are_shared(app):
    with app.app_context():
        case = make_case("amina", "Amina Rakoto", authority="Rabe Ministry", card_to="Section")
        ids = make_letters(2, case_ids=[case], language="en")
        ids += make_letters(1, case_ids=[case], language="en", body_lines=60)  # two pages or more
        ids += make_letters(1, case_ids=[case], kind="card", language="en")  # A5, not A4
        sources = _rendered(ids)
    sources.append(sources[0])  # a reprint: the same letter again, fonts and all

    output = io.BytesIO()
    writer = pdfstream.PdfStreamWriter(output)
    expected_texts: list[str] = []
    expected_sizes: list[tuple[float, float]] = []
    for source in sources:
        assert writer.add_pdf(io.BytesIO(source), pad_to_even=True) % 2 == 0
        texts, sizes = page_texts(source), page_sizes(source)
        assert texts and all(text.strip() for text in texts)
        if len(texts) % 2:  # the blank back of a one-sided page
            texts, sizes = [*texts, ""], [*sizes, sizes[-1]]
        expected_texts += texts
        expected_sizes += sizes
    assert writer.close() == len(expected_texts)
    data = output.getvalue()

    assert any(len(page_texts(source)) > 1 for source in sources)
    assert page_texts(data) == expected_texts, "each page is its letter's page, in order"
    sizes = [value for size in page_sizes(data) for value in size]
    assert sizes == pytest.approx([value for size in expected_sizes for value in size], abs=0.01)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.check_pdf_syntax() == []
    # Every letter's fonts are embedded once per distinct program: the reprint's are the first
    # letter's, written once.
    assert _font_files(data) <= sum(_font_files(source) for source in sources[:-1])
    assert _font_files(data) < sum(_font_files(source) for source in sources)


def test_a_page_brings_what_it_inherits_and_never_links_or_other_pages(tmp_path):
    source = pikepdf.new()
    for _ in range(2):
        source.add_blank_page(page_size=(100, 200))
    first, second = source.pages[0].obj, source.pages[1].obj
    parent = first["/Parent"]
    parent["/MediaBox"] = pikepdf.Array([0, 0, 300, 400])
    parent["/Resources"] = pikepdf.Dictionary(
        ExtGState=pikepdf.Dictionary(G=pikepdf.Dictionary(CA=0.5))
    )
    del first["/MediaBox"]
    if "/Resources" in first:
        del first["/Resources"]
    # A link to the second page, and an object pointing back at itself (a cycle).
    first["/Annots"] = pikepdf.Array(
        [source.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Dest=[second]))]
    )
    loop = source.make_indirect(pikepdf.Dictionary(Name=pikepdf.String("a (tricky) 1 0 R")))
    loop["/Self"] = loop
    first["/PieceInfo"] = pikepdf.Dictionary(Loop=loop, Other=second)
    path = tmp_path / "source.pdf"
    source.save(path)

    output = io.BytesIO()
    writer = pdfstream.PdfStreamWriter(output)
    with pdfstream.Source(path) as opened:
        pdfstream.check_size(opened.pages[0], (300, 400))
        with pytest.raises(pdfstream.PageSizeError):
            pdfstream.check_size(opened.pages[0], (100, 200))
        writer.add_page(opened.pages[0], opened)
    assert writer.close() == 1

    with pikepdf.open(io.BytesIO(output.getvalue())) as copied:
        assert copied.check_pdf_syntax() == []
        [page] = copied.pages
        assert [float(value) for value in page.mediabox] == [0, 0, 300, 400]
        assert float(page.obj.Resources.ExtGState.G.CA) == 0.5
        assert "/Annots" not in page.obj
        info = page.obj.PieceInfo
        assert info.get("/Other") is None  # null: no other page, nor its tree
        kinds = [obj.get("/Type") for obj in copied.objects if isinstance(obj, pikepdf.Dictionary)]
        assert kinds.count("/Page") == 1 and kinds.count("/Pages") == 1
        assert info.Loop.Self.objgen == info.Loop.objgen  # the cycle, closed on the copy
        assert bytes(info.Loop.Name) == b"a (tricky) 1 0 R"  # a string is never renumbered
