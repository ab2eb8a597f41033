"""How a batch's letters are split: one file per kind and paper, one envelope per destination.

One envelope, one addressee, one kind: an envelope holds the pieces of one kind, for one case,
going to the one address that kind of that case is sent to (the kind decides: an appeal goes to
the case's ``appeal_addressee``, a card to its ``card_address``; see marathon/kinds.py, and
:func:`marathon.letters.content.case_destination`, the only place a destination is read).

One file, one paper size: appeal letters go in a file per their own paper (A4, US Letter);
cards (A5) and postcards (A6) are imposed on the section's sheet (the batch's paper), each kind
in its own file. Files follow the kinds' order; envelopes in a file follow the batch's order
(case by case, as the catalogue lists them).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from marathon.batches.imposition import PER_SHEET, sheets_for
from marathon.batches.labels import SHEETS, address_lines
from marathon.batches.postage import Weight, estimate, mailed_alone, sheets_of
from marathon.cases.models import Case
from marathon.countries import country_name
from marathon.extensions import db
from marathon.kinds import KIND_NAMES, KINDS
from marathon.kinds import kind as kind_of
from marathon.letters.content import case_destination
from marathon.letters.models import Letter

PAPERS = ("a4", "letter")
# A file's slug per kind (file names are shown to volunteers and sorted by their number).
FILE_SLUGS = {
    "appeal": "appeal-letters",
    "postcard": "appeal-postcards",
    "card": "cards",
    "solidarity_postcard": "solidarity-postcards",
}
PAPER_SLUGS = {"a4": "a4", "letter": "us-letter"}


@dataclass(frozen=True)
class Piece:
    """One letter, card or postcard of the batch: ids and paths only, never its words."""

    id: int
    code: str
    case_id: int
    kind: str
    language: str
    paper: str  # the letter's own paper (it decides an appeal letter's file)
    pdf_path: str | None
    pdf_pages: int | None

    @property
    def sheets(self) -> int:
        """Sheets of paper this piece is (a letter printed double-sided)."""
        return sheets_of(self.kind, self.pdf_pages or 1)


@dataclass(frozen=True)
class Destination:
    """Where an envelope goes, as printed on its cover and label."""

    lines: tuple[str, ...]
    country_code: str
    country: str
    sample: bool  # the case's address is a sample the section has not replaced yet


@dataclass
class Envelope:
    """The pieces of one kind, of one case, to one destination."""

    kind: str
    case_id: int
    person: str
    case_slug: str
    destination: Destination
    pieces: list[Piece] = field(default_factory=list)
    number: int = 0  # in the batch, from 1, in file order

    @property
    def languages(self) -> list[tuple[str, int]]:
        """(language, count), most frequent first."""
        return Counter(piece.language for piece in self.pieces).most_common()

    @property
    def sheets(self) -> int:
        """Sheets of paper (letters) or pieces (cards, postcards) that go in the envelope."""
        return sum(piece.sheets for piece in self.pieces)

    def weight(self, section_paper: str) -> Weight:
        """The estimated weight (of each postcard, for postcards posted alone)."""
        return estimate(
            self.kind, section_paper, [(piece.paper, piece.sheets) for piece in self.pieces]
        )

    @property
    def mailed_alone(self) -> bool:
        """Appeal postcards: each posted on its own, with its own stamp."""
        return mailed_alone(self.kind)

    def summary(self, section_paper: str) -> dict[str, Any]:
        """What ``Batch.files`` records of this envelope (no letter's words, no sender)."""
        weight = self.weight(section_paper)
        return {
            "number": self.number,
            "kind": self.kind,
            "count": len(self.pieces),
            "case": self.person,
            "case_slug": self.case_slug,
            "destination": list(self.destination.lines),
            "country": self.destination.country_code,
            "sheets": self.sheets,
            "grams": weight.grams,
            "per_item": weight.per_item,
            "languages": dict(self.languages),
        }


@dataclass
class PrintFile:
    """One print file: one kind on one sheet size."""

    kind: str
    paper: str  # the sheet: a4 or letter
    envelopes: list[Envelope] = field(default_factory=list)
    index: int = 0

    @property
    def name(self) -> str:
        """The file's name (in the batch's ZIP and as downloaded)."""
        return f"{self.index:02d}-{FILE_SLUGS[self.kind]}-{PAPER_SLUGS[self.paper]}.pdf"

    @property
    def pieces(self) -> int:
        """Pieces in the file."""
        return sum(len(envelope.pieces) for envelope in self.envelopes)


def sheet_paper(kind_name: str, letter_paper: str, section_paper: str) -> str:
    """The sheet a piece prints on: an appeal letter's own paper, else the section's."""
    return letter_paper if kind_of(kind_name).paper == "letter" else section_paper


def file_order(key: tuple[str, str]) -> tuple[int, int]:
    """Files in the kinds' order, A4 before US Letter."""
    return KIND_NAMES.index(key[0]), PAPERS.index(key[1])


def plan_files(
    pieces: Iterable[Piece],
    section_paper: str,
    destination: Any,
    case_names: dict[int, tuple[str, str]],
) -> list[PrintFile]:
    """The files and envelopes of ``pieces`` (in the batch's order).

    ``destination(case_id, kind)`` gives a :class:`Destination`; ``case_names`` the person and
    slug of each case.
    """
    files: dict[tuple[str, str], PrintFile] = {}
    envelopes: dict[tuple[str, str, int], Envelope] = {}
    for piece in pieces:
        paper = sheet_paper(piece.kind, piece.paper, section_paper)
        file_key = (piece.kind, paper)
        print_file = files.get(file_key)
        if print_file is None:
            print_file = files[file_key] = PrintFile(piece.kind, paper)
        envelope_key = (piece.kind, paper, piece.case_id)
        envelope = envelopes.get(envelope_key)
        if envelope is None:
            person, slug = case_names[piece.case_id]
            envelope = envelopes[envelope_key] = Envelope(
                piece.kind, piece.case_id, person, slug, destination(piece.case_id, piece.kind)
            )
            print_file.envelopes.append(envelope)
        envelope.pieces.append(piece)
    ordered = [files[key] for key in sorted(files, key=file_order)]
    number = 0
    for index, print_file in enumerate(ordered, start=1):
        print_file.index = index
        for envelope in print_file.envelopes:
            number += 1
            envelope.number = number
    return ordered


def destinations(case_ids: Iterable[int], language: str) -> tuple[Any, dict[int, tuple[str, str]]]:
    """A ``destination(case_id, kind)`` function and the cases' names, for :func:`plan_files`.

    The address comes from :func:`case_destination` (the kind decides the case's field), with
    country names in ``language`` (the section's: it writes the envelopes).
    """

    cases = {
        case.id: case for case in db.session.scalars(select(Case).where(Case.id.in_(set(case_ids))))
    }
    known: dict[tuple[int, str], Destination] = {}
    for case in cases.values():
        for kind_name in KIND_NAMES:
            addressee = case_destination(case, kind_name, language)
            # The country code of the same field case_destination read (for postage zones).
            raw = getattr(case, kind_of(kind_name).destination, None) or {}
            code = str(raw.get("country", "")).upper()
            known[(case.id, kind_name)] = Destination(
                address_lines(addressee),
                code,
                country_name(code, language) if code else "",
                addressee.is_sample,
            )
    names = {case.id: (case.person, case.slug) for case in cases.values()}
    db.session.rollback()  # end the read transaction

    def destination(case_id: int, kind_name: str) -> Destination:
        return known[(case_id, kind_name)]

    return destination, names


def preview_files(
    ids: Any, product: str, paper: str, labels_per: str | None
) -> list[dict[str, Any]]:
    """The files a batch of the letters ``ids`` (a select of ids) would print: kind, paper,
    letters, envelopes, pages; for product "labels", one entry: the label sheets.

    Pages count cover sheets and blank backs; a letter not rendered yet counts one page (a
    postcard two). Counted in the database, grouped by kind, paper and case: no letter loaded.
    """

    even_pages = ((func.coalesce(Letter.pdf_pages, 1) + 1) / 2) * 2
    rows = db.session.execute(
        select(
            Letter.kind,
            Letter.paper,
            Letter.case_id,
            func.count(Letter.id),
            func.coalesce(func.sum(even_pages), 0),
            func.max(Letter.pdf_pages),
        )
        .where(Letter.id.in_(ids))
        .group_by(Letter.kind, Letter.paper, Letter.case_id)
    ).all()
    files: dict[tuple[str, str], dict[str, Any]] = {}
    for kind_name, letter_paper, case_id, count, pages, most in rows:
        known = KINDS[kind_name]
        key = (kind_name, sheet_paper(kind_name, letter_paper, paper))
        entry = files.setdefault(
            key,
            {"kind": kind_name, "paper": key[1], "count": 0, "envelopes": {}, "pages": 0},
        )
        entry["count"] += int(count)
        envelope = entry["envelopes"].setdefault(case_id, {"count": 0, "pages": 0})
        envelope["count"] += int(count)
        envelope["pages"] += int(pages)
        two_sided = not known.imposed or (most or (2 if known.paper == "postcard" else 1)) > 1
        entry["two_sided"] = entry.get("two_sided", False) or two_sided
    result = []
    for key in sorted(files, key=file_order):
        entry = files[key]
        known = KINDS[entry["kind"]]
        cover = 2 if entry["two_sided"] else 1
        for envelope in entry["envelopes"].values():
            if known.imposed:
                pieces = sheets_for(envelope["count"], PER_SHEET[known.paper], entry["two_sided"])
            else:
                pieces = envelope["pages"]
            entry["pages"] += cover + pieces
        entry["envelopes"] = len(entry["envelopes"])
        result.append(entry)
    if product == "labels":
        count = sum(entry["count"] for entry in result)
        envelopes = sum(entry["envelopes"] for entry in result)
        labels = envelopes if labels_per == "destination" else count
        pages = math.ceil(labels / SHEETS[paper].per_sheet)
        return [
            {
                "kind": "labels",
                "paper": paper,
                "count": count,
                "labels": labels,
                "envelopes": envelopes,
                "pages": pages,
                "two_sided": False,
            }
        ]
    return result
