"""Helpers for the render tests: letters built by hand (no database), PDF inspection."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

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
