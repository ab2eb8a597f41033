"""Helpers for the render tests: letters built by hand (no database), PDF inspection."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pdfplumber
from pypdf import PdfReader

from marathon.render.content import Addressee, LetterContent

PLACEHOLDER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="148" height="105">'
    '<rect width="148" height="105" fill="#567"/><circle cx="74" cy="45" r="20" fill="#ccd"/></svg>'
)

ADDRESSEE = Addressee(
    title="Monsieur le Président de la République",
    name="Andry Rajoelina",
    address_lines=("Palais d'État d'Iavoloha", "BP 955", "Antananarivo 101"),
    country="Madagascar",
    is_sample=True,
)


def make_content(kind: str = "appeal", language: str = "fr", **overrides) -> LetterContent:
    """A complete LetterContent with sensible sample values; ``overrides`` replace any field."""
    values = dict(
        kind=kind,
        language=language,
        paper="a4",
        code="ABCD-1234",
        written_on=date(2025, 12, 6),
        case_slug="damisoa",
        case_edition=2025,
        person="Damisoa",
        country_name="Madagascar",
        sender_name="Marie Dupont",
        sender_town="Lyon",
        sender_country="France",
        personal_sentence="Avec toute ma solidarité.",
        body="Je vous écris au sujet de Damisoa.\n\nMerci de votre attention.",
        addressee=ADDRESSEE,
    )
    values.update(overrides)
    return LetterContent(**values)


def pdf_reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def pdf_text(pdf: bytes) -> str:
    """The PDF's extracted text with runs of whitespace collapsed to one space."""
    text = " ".join(page.extract_text() or "" for page in pdf_reader(pdf).pages)
    return " ".join(text.split())


def flat(text: str) -> str:
    return " ".join(text.split())


def squash(text: str) -> str:
    """Text without any whitespace: lines may wrap anywhere (URLs break after a slash)."""
    return "".join(text.split())


def font_files(pdf: bytes) -> list[tuple[str, bool]]:
    """Each font of the PDF: (name, whether its program is embedded as FontFile2/3)."""
    found: list[tuple[str, bool]] = []
    for page in pdf_reader(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font")
        if fonts is None:
            continue
        for font in fonts.get_object().values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            targets = [d.get_object() for d in descendants.get_object()] if descendants else [font]
            for target in targets:
                descriptor = target.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                embedded = "/FontFile2" in descriptor or "/FontFile3" in descriptor
                found.append((str(target.get("/BaseFont")), embedded))
    return found


def write_photo(folder: Path) -> Path:
    """A placeholder case picture inside ``folder`` (used as CASES_DIR)."""
    photo = folder / "2025" / "damisoa" / "photo.svg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_text(PLACEHOLDER_SVG)
    return photo


# Reading where words are: pdfplumber gives each word's box in points from the page's top left.

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Word:
    """A word printed on a page, its box in mm from the page's top left edge."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    fonts: frozenset[str] = frozenset()


def page_words(pdf: bytes, page: int = 0) -> list[Word]:
    """The words of one page (0-based; -1 for the last), top to bottom, left to right."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        sheet = document.pages[page]
        words = sheet.extract_words(keep_blank_chars=False, extra_attrs=["fontname"])
        chars = sheet.chars
        found = []
        for word in words:
            fonts = frozenset(
                char["fontname"]
                for char in chars
                if word["x0"] - 0.1 <= char["x0"] <= word["x1"] + 0.1
                and abs(char["top"] - word["top"]) < 0.5
            )
            found.append(
                Word(
                    word["text"],
                    word["x0"] / MM,
                    word["x1"] / MM,
                    word["top"] / MM,
                    word["bottom"] / MM,
                    fonts,
                )
            )
        return found


def page_size_mm(pdf: bytes, page: int = 0) -> tuple[float, float]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        sheet = document.pages[page]
        return sheet.width / MM, sheet.height / MM


def page_images(pdf: bytes, page: int = 0) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return list(document.pages[page].images)


def text_lines(words: list[Word]) -> list[list[Word]]:
    """Words grouped into printed lines, top to bottom, each left to right.

    A word is on a line when its middle lies within the line's first word's height: words of
    another face on the same line (Naskh digits and commas in a Latin line) have other tops.
    """
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        middle = (word.top + word.bottom) / 2
        if lines and lines[-1][0].top <= middle <= lines[-1][0].bottom:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def line_text(line: list[Word]) -> str:
    return " ".join(word.text for word in line)


def line_with(words: list[Word], needle: str, *, last: bool = False) -> list[Word]:
    """The printed line holding ``needle`` (the first one, or the last with ``last``)."""
    matches = [line for line in text_lines(words) if needle in line_text(line)]
    assert matches, f"{needle!r} not printed: {[line_text(li) for li in text_lines(words)]}"
    return matches[-1] if last else matches[0]


def words_of(words: list[Word], text: str) -> list[Word]:
    """The printed words of ``text``, in reading order: where it is printed whole (wrapped or
    not). Fails when any word of ``text`` is missing (cut, or printed elsewhere). Give only the
    words of one column when another column shares its lines.
    """
    wanted = "".join(text.split())
    ordered = [word for line in text_lines(words) for word in line]
    for start in range(len(ordered)):
        joined = ""
        for end in range(start, len(ordered)):
            joined += ordered[end].text
            if not wanted.startswith(joined):
                break
            if joined == wanted:  # (a word hyphenated at a line's end is two printed words)
                return ordered[start : end + 1]
    raise AssertionError(f"{text!r} not printed whole: {[word.text for word in ordered]}")


def inside(word: Word, left: float, top: float, right: float, bottom: float) -> bool:
    """Whether the word's box lies within the rectangle (mm)."""
    return left <= word.x0 and word.x1 <= right and top <= word.top and word.bottom <= bottom


def png_photo(folder: Path, name: str = "photo.png") -> Path:
    """A real, small PNG picture (what an admin's upload becomes once checked and re-encoded)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    Image.new("RGB", (160, 120), (80, 110, 140)).save(path, format="PNG")
    return path
