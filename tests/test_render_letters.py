"""Letters, cards and postcards render to PDFs with the right words, sizes, fonts and safety."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from marathon.kinds import KIND_NAMES, PERSONAL, kind
from marathon.render import letters
from marathon.render.fetcher import SafeURLFetcher
from marathon.render.letters import (
    render_letter_html,
    render_letter_pdf,
    render_letters_pdf,
    render_preview_html,
    template_languages,
)
from marathon.render.paths import templates_dir
from marathon.render.templating import UnknownTemplate
from tests.render_support import font_files, make_content, pdf_reader, pdf_text, squash, write_photo

MM = 72 / 25.4
KINDS_VOICE = {name: kind(name).voice for name in KIND_NAMES}
ALL_TEMPLATES = sorted(
    (path.parent.name, path.stem)
    for path in templates_dir().glob("*/*.html")
    if path.parent.name != "shared"
)


@pytest.fixture(autouse=True)
def cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    monkeypatch.setenv("MARATHON_CASES_DIR", str(folder))
    return folder


def test_every_kind_has_the_languages_and_both_postcards_follow_the_letters() -> None:
    for name in KIND_NAMES:
        assert {"fr", "en", "es", "nl", "de", "ar"} <= set(template_languages(name)), name
    # Every language with an appeal or a card template has both postcards.
    letter_languages = set(template_languages("appeal")) | set(template_languages("card"))
    assert letter_languages <= set(template_languages("postcard"))
    assert letter_languages <= set(template_languages("solidarity_postcard"))
    assert template_languages("nonsense") == []


@pytest.mark.parametrize(("kind", "language"), ALL_TEMPLATES)
def test_every_template_renders_a_pdf_with_sender_addressee_person_and_code(
    kind: str, language: str, cases: Path
) -> None:
    content = make_content(
        kind, language, photo_path=str(write_photo(cases)), body="Zeile eins.\n\nZeile zwei."
    )
    fetcher = SafeURLFetcher()
    pdf = render_letter_pdf(content, fetcher=fetcher)
    text = pdf_text(pdf)
    assert "ABCD-1234" in text
    assert "Damisoa" in text
    if KINDS_VOICE[kind] == PERSONAL:
        assert "Marie" in text  # words to the person are signed with the first name and town
        assert "Dupont" not in text
        assert "Lyon" in text
    else:
        assert "Marie Dupont" in text
    if kind != "card":  # a card goes in an envelope; the others show where they go
        assert "Andry Rajoelina" in text
    assert "Zeile zwei" in text  # (in right-to-left text the full stop is extracted first)
    fonts = font_files(pdf)
    assert fonts, "no font in the PDF"
    assert all(embedded for _, embedded in fonts), fonts
    assert list(fetcher.refused) == []
    if kind_layout(kind) == "postcard":
        assert list(fetcher.fetched) == ["marathon-asset://cases/2025/damisoa/photo.svg"]


HOSTILE = [
    "<img src=file:///etc/passwd>",
    "<link rel=stylesheet href=http://example.com/x.css>",
    "<style>@import url(http://example.com/x.css);</style>",
    "<script>alert(1)</script>",
    "{{ 7*7 }} {% raw %}",
]


def kind_layout(name: str) -> str:
    return kind(name).layout


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_markup_in_volunteer_text_is_printed_literally_and_fetches_nothing(kind: str) -> None:
    letters.reset_caches()
    content = make_content(
        kind,
        "en",
        body="\n\n".join(HOSTILE[:2]) + "\n" + HOSTILE[3],
        personal_sentence=HOSTILE[2],
        sender_name="<b>Eve</b> <i>Moreau</i>",
        sender_town=HOSTILE[4],
    )
    fetcher = SafeURLFetcher()
    pdf = render_letter_pdf(content, fetcher=fetcher)
    text = squash(pdf_text(pdf))
    for literal in HOSTILE:
        assert squash(literal) in text, literal
    assert "<b>Eve</b>" in text
    assert "49" not in text
    # The document itself asked for nothing; the only files ever read are our fonts.
    assert list(fetcher.fetched) == []
    assert list(fetcher.refused) == []
    renderer_fetcher = letters._renderer().fetcher
    assert list(renderer_fetcher.refused) == []
    assert renderer_fetcher.fetched
    assert all(url.startswith("marathon-asset://fonts/") for url in renderer_fetcher.fetched)
    html = render_letter_html(content)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_volunteer_text_becomes_paragraphs_and_line_breaks() -> None:
    html = render_letter_html(make_content(body="One\ntwo\n\n\nThree <b>"))
    assert "<p>One<br>\ntwo</p>\n<p>Three &lt;b&gt;</p>" in html


@pytest.mark.parametrize(
    ("language", "paper", "expected"),
    [
        ("fr", "a4", "Lyon, le 6 décembre 2025"),
        ("fr", "letter", "Lyon, le 6 décembre 2025"),
        ("en", "a4", "Lyon, 6 December 2025"),
        ("en", "letter", "Lyon, December 6, 2025"),
        ("es", "a4", "Lyon, 6 de diciembre de 2025"),
        ("nl", "a4", "Lyon, 6 december 2025"),
        ("de", "a4", "Lyon, 6. Dezember 2025"),
    ],
)
def test_the_date_is_written_in_the_letters_language(
    language: str, paper: str, expected: str
) -> None:
    assert expected in pdf_text(render_letter_pdf(make_content("appeal", language, paper=paper)))


def test_the_first_of_the_month_is_the_first_in_french() -> None:
    first = pdf_text(render_letter_pdf(make_content(written_on=date(2026, 12, 1))))
    assert "Lyon, le 1er décembre 2026" in first
    english = pdf_text(
        render_letter_pdf(make_content("appeal", "en", written_on=date(2026, 12, 1)))
    )
    assert "Lyon, 1 December 2026" in english and "1er" not in english


@pytest.mark.parametrize(
    ("kind", "paper", "size_mm", "pages"),
    [
        ("appeal", "a4", (210, 297), 1),
        ("appeal", "letter", (215.9, 279.4), 1),
        ("card", "a4", (210, 148), 1),
        ("postcard", "a4", (148, 105), 2),
        ("postcard", "letter", (148, 105), 2),
        ("solidarity_postcard", "a4", (148, 105), 2),
        ("solidarity_postcard", "letter", (148, 105), 2),
    ],
)
def test_page_size_and_count(kind: str, paper: str, size_mm: tuple, pages: int) -> None:
    reader = pdf_reader(render_letter_pdf(make_content(kind, "fr", paper=paper)))
    assert len(reader.pages) == pages
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) == pytest.approx(size_mm[0] * MM, abs=0.5)
        assert float(box.height) == pytest.approx(size_mm[1] * MM, abs=0.5)


def test_a_long_letter_flows_to_page_two_with_page_numbers() -> None:
    body = "\n\n".join(["A long paragraph of the appeal, said with care. " * 12] * 8)
    reader = pdf_reader(render_letter_pdf(make_content("appeal", "en", body=body)))
    assert len(reader.pages) == 2
    assert "2 / 2" in reader.pages[1].extract_text()
    assert "1 / 2" not in reader.pages[0].extract_text()
    assert "ABCD-1234" in reader.pages[1].extract_text()


def test_sample_addressee_is_marked_and_a_real_one_is_not() -> None:
    from dataclasses import replace

    from tests.render_support import ADDRESSEE

    assert "Adresse exemple" in pdf_text(render_letter_pdf(make_content()))
    real = make_content(addressee=replace(ADDRESSEE, is_sample=False))
    assert "Adresse exemple" not in pdf_text(render_letter_pdf(real))


def test_arabic_appeal_is_right_to_left_with_extractable_arabic_text() -> None:
    content = make_content(
        "appeal",
        "ar",
        person="مناهل العتيبي",
        country_name="المملكة العربية السعودية",
        body="أكتب إليكم بشأن مناهل العتيبي.",
    )
    html = render_letter_html(content)
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    pdf = render_letter_pdf(content)
    text = pdf_text(pdf)
    arabic = [ch for ch in text if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff"]
    assert len(arabic) > 20
    assert "ABCD-1234" in text and "Marie Dupont" in text
    assert "2025" in text
    assert any("Naskh" in name for name, _ in font_files(pdf))


def test_preview_html_is_self_contained() -> None:
    for name in KIND_NAMES:
        html = render_preview_html(make_content(name))
        assert "<style>" in html
        assert "marathon-asset:" not in html
        assert "<link" not in html
        assert "file:" not in html and "http" not in html
    linked = render_letter_html(make_content())
    assert '<link rel="stylesheet" href="marathon-asset://shared/appeal.css">' in linked


def test_preview_inlines_the_case_picture(cases: Path) -> None:
    for name in ("postcard", "solidarity_postcard"):
        html = render_preview_html(make_content(name, photo_path=str(write_photo(cases))))
        assert 'src="data:image/svg+xml;base64,' in html
    outside = render_preview_html(make_content("postcard", photo_path="/etc/passwd"))
    assert "data:" not in outside and "passwd" not in outside


def test_unknown_kind_or_language_is_refused() -> None:
    with pytest.raises(UnknownTemplate):
        render_letter_pdf(make_content("leaflet"))
    with pytest.raises(UnknownTemplate):
        render_letter_pdf(make_content("appeal", "xx"))
    with pytest.raises(UnknownTemplate):
        render_letter_pdf(make_content("appeal", "../shared/layout"))
    for render in (render_letter_html, render_preview_html):
        with pytest.raises(UnknownTemplate):
            render(make_content("leaflet"))


def test_several_letters_in_one_pdf() -> None:
    pdf = render_letters_pdf([make_content(), make_content("postcard", code="WXYZ-9876")])
    reader = pdf_reader(pdf)
    assert len(reader.pages) == 3
    assert "WXYZ-9876" in pdf_text(pdf)


def test_render_html_pdf_uses_the_shared_fonts() -> None:
    from marathon.render.letters import render_html_pdf

    fetcher = SafeURLFetcher()
    pdf = render_html_pdf("<p>Cover sheet <img src='file:///etc/passwd'></p>", fetcher=fetcher)
    assert "Cover sheet" in pdf_text(pdf)
    assert all(embedded for _, embedded in font_files(pdf))
    assert [url for url, _ in fetcher.refused] == ["file:///etc/passwd"]


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_arabic_names_and_addresses_print_in_the_naskh_face_in_any_language(kind: str) -> None:
    """A French letter to a Saudi authority, by a writer whose name is in Arabic letters: the
    return line, the address, the signature and the caption never miss a glyph."""
    import io
    from dataclasses import replace

    import pdfplumber

    from tests.render_support import ADDRESSEE

    content = make_content(
        kind,
        "fr",
        person="مناهل العتيبي",
        sender_name="مريم دوبون",
        sender_town="ليون",
        addressee=replace(ADDRESSEE, name="سلمان بن عبد العزيز آل سعود", address_lines=("الرياض",)),
        cards_to="منظمة العفو الدولية، الرياض",
    )
    pdf = render_letter_pdf(content)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        arabic = [
            char
            for page in document.pages
            for char in page.chars
            if "\u0600" <= char["text"] <= "\u06ff" or "\ufb50" <= char["text"] <= "\ufeff"
        ]
    assert len(arabic) > 20
    fonts = {char["fontname"].split("+")[-1] for char in arabic}
    assert fonts <= {"Marathon-Naskh", "Marathon-Naskh-Bold"}, fonts
