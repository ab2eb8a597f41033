"""Writing a batch's files: print files (covers, then pieces) and labels (the contents sheet:
marathon/batches/contents.py).

Each print file holds one paper size: every page is checked against the file's sheet as it is
written (a letter rendered on another paper fails the batch, naming the letter's id). A cover
sheet, on the file's own sheet, comes before each envelope's pieces; in a two-sided file it has
a blank back, so every envelope starts on the front of a sheet.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pypdf import PageObject, PdfReader

from marathon.batches.imposition import (
    PER_SHEET,
    PIECE_SIZES,
    SHEET_SIZES,
    ImposedSizeError,
    impose,
    sheets_for,
)
from marathon.batches.labels import (
    SHEETS,
    Cover,
    Label,
    is_rtl,
    render_covers,
    render_label_sheets,
)
from marathon.batches.pdfstream import PageSizeError, PdfStreamWriter, check_size
from marathon.batches.plan import Envelope, Piece, PrintFile
from marathon.batches.postage import Postage, Rates, RatesError, Weight, load_rates, postage_for
from marathon.batches.rendering import LetterFailed
from marathon.clock import today_local
from marathon.kinds import KINDS

log = logging.getLogger(__name__)

PAPER_NAMES = {"a4": _l("A4"), "letter": _l("US Letter")}


@dataclass
class Context:
    """What every file of one run needs: where to write, how to report, the postage table."""

    batch_id: int
    paper: str  # the section's sheet (the batch's paper)
    work: Path
    require_pdf: Callable[[Piece], Path]
    on_piece: Callable[..., None]
    today: date = field(default_factory=lambda: _today())
    rates: Rates | None = None
    rates_problem: str = ""

    def __post_init__(self) -> None:
        try:
            self.rates = load_rates(current_app.config.get("POSTAGE_RATES_FILE"))
        except RatesError as problem:
            self.rates_problem = str(problem)
            log.warning("batch %s: the postage rates file is not usable", self.batch_id)

    def postage(self, envelope: Envelope, weight: Weight) -> tuple[Postage | None, str]:
        """The postage of ``envelope`` (of each postcard if posted alone), and a note."""
        if self.rates_problem:
            return None, _(
                "The postage table could not be read: %(problem)s", problem=self.rates_problem
            )
        if self.rates is None:
            return None, ""
        item = "postcard" if weight.per_item else "letter"
        found = postage_for(
            self.rates, envelope.destination.country_code, item, weight.grams, self.today
        )
        if found is None:
            return None, _("No rate in the section's postage table for this country and weight.")
        return found, _(
            "Rate in force since %(date)s (%(zone)s, up to %(grams)s g).",
            date=format_date(found.starts),
            zone=found.zone,
            grams=found.up_to,
        )


def _today() -> date:
    return today_local()


def _sync(output: Any) -> None:
    output.flush()
    os.fsync(output.fileno())


def kind_label(kind_name: str, count: int) -> str:
    known = KINDS[kind_name]
    return str(known.label if count == 1 else known.plural)


def money(postage: Postage | None, times: int = 1) -> str:
    if postage is None:
        return ""
    return format_currency(postage.price * times, postage.currency)


def _two_sided(print_file: PrintFile) -> bool:
    """Letters and postcards print on both sides; cards of one page on one side."""
    if not KINDS[print_file.kind].imposed:
        return True
    return any(
        (piece.pdf_pages or 1) > 1 for envelope in print_file.envelopes for piece in envelope.pieces
    )


def _printed_pages(print_file: PrintFile, envelope: Envelope, two_sided: bool) -> int:
    known = KINDS[print_file.kind]
    if not known.imposed:
        return sum((piece.pdf_pages or 1) + (piece.pdf_pages or 1) % 2 for piece in envelope.pieces)
    return sheets_for(len(envelope.pieces), PER_SHEET[known.paper], two_sided)


def _cover(
    context: Context,
    print_file: PrintFile,
    envelope: Envelope,
    total: int,
    pages: int,
    two_sided: bool,
) -> Cover:
    weight = envelope.weight(context.paper)
    postage, note = context.postage(envelope, weight)
    count = len(envelope.pieces)
    destination = envelope.destination
    return Cover(
        batch_id=context.batch_id,
        number=envelope.number,
        envelopes=total,
        file_name=print_file.name,
        kind=envelope.kind,
        kind_label=kind_label(envelope.kind, count),
        count=count,
        person=envelope.person,
        case_slug=envelope.case_slug,
        languages=tuple(envelope.languages),
        lines=tuple((line, is_rtl(line)) for line in destination.lines),
        country=destination.country,
        country_code=destination.country_code,
        sample=destination.sample,
        sheets=envelope.sheets if KINDS[envelope.kind].paper == "letter" else count,
        printed_pages=pages,
        printed_sheets=-(-pages // 2) if two_sided else pages,
        grams=weight.grams,
        envelope=str(weight.envelope.name) if weight.envelope else "",
        mailed_alone=weight.per_item,
        postage=money(postage),
        postage_total=money(postage, count) if weight.per_item else "",
        postage_note=note,
        letter_kind=KINDS[envelope.kind].paper == "letter",
    )


def _cover_pages(covers: list[Cover], paper: str) -> list[tuple[list[PageObject], dict[int, int]]]:
    """Each cover's pages (one, unless an address is very long) and its source's mapping."""
    reader = PdfReader(BytesIO(render_covers(covers, paper)))
    if len(reader.pages) == len(covers):
        mapping: dict[int, int] = {}
        return [([page], mapping) for page in reader.pages]
    pages = []
    for cover in covers:  # one ran over a page: render them one by one
        single = PdfReader(BytesIO(render_covers([cover], paper)))
        pages.append((list(single.pages), {}))
    return pages


def _envelope_entry(context: Context, print_file: PrintFile, envelope: Envelope) -> dict[str, Any]:
    summary = envelope.summary(context.paper)
    postage, _note = context.postage(envelope, envelope.weight(context.paper))
    summary["file"] = print_file.name
    summary["postage"] = (
        {"price": str(postage.price), "currency": postage.currency} if postage else None
    )
    return summary


def write_print_file(
    context: Context, print_file: PrintFile, files: list[PrintFile]
) -> dict[str, Any]:
    """Write one print file (covers and pieces); return its ``Batch.files`` entry."""
    known = KINDS[print_file.kind]
    two_sided = _two_sided(print_file)
    sheet = SHEET_SIZES[print_file.paper]
    total = sum(len(each.envelopes) for each in files)
    covers = [
        _cover(
            context,
            print_file,
            envelope,
            total,
            _printed_pages(print_file, envelope, two_sided),
            two_sided,
        )
        for envelope in print_file.envelopes
    ]
    cover_pages = _cover_pages(covers, print_file.paper)
    path = context.work / print_file.name
    with open(path, "wb") as output:
        writer = PdfStreamWriter(output)
        for envelope, (pages, mapping) in zip(print_file.envelopes, cover_pages, strict=True):
            for page in pages:
                check_size(page, sheet)
                writer.add_page(page, mapping)
            if two_sided and len(pages) % 2:
                writer.add_blank(*sheet)
            if known.imposed:
                _impose(context, print_file, envelope, writer, two_sided)
            else:
                for piece in envelope.pieces:
                    try:
                        writer.add_pdf(
                            str(context.require_pdf(piece)), pad_to_even=True, expected_size=sheet
                        )
                    except PageSizeError:
                        raise LetterFailed(piece.id, "page size") from None
                    context.on_piece()
        pages_written = writer.close()
        _sync(output)
    return {
        "name": print_file.name,
        "kind": print_file.kind,
        "paper": print_file.paper,
        "path": "",
        "size": path.stat().st_size,
        "pages": pages_written,
        "two_sided": two_sided,
        "envelopes": [_envelope_entry(context, print_file, e) for e in print_file.envelopes],
    }


def _impose(
    context: Context,
    print_file: PrintFile,
    envelope: Envelope,
    writer: PdfStreamWriter,
    two_sided: bool,
) -> None:
    kind_paper = KINDS[print_file.kind].paper
    sources = (str(context.require_pdf(piece)) for piece in envelope.pieces)
    try:
        impose(
            writer,
            sources,
            print_file.paper,
            per_sheet=PER_SHEET[kind_paper],
            two_sided=two_sided,
            on_card=lambda _count: context.on_piece(),
            expected_size=PIECE_SIZES[kind_paper],
        )
    except ImposedSizeError as error:
        raise LetterFailed(envelope.pieces[error.index].id, "page size") from None


def write_labels(context: Context, files: list[PrintFile], labels_per: str) -> dict[str, Any]:
    """The label sheets, in the envelopes' order: one per envelope, or one per piece."""
    envelopes = [envelope for print_file in files for envelope in print_file.envelopes]
    if labels_per == "destination":
        labels = [Label(envelope.destination.lines) for envelope in envelopes]
    else:
        labels = [
            Label(envelope.destination.lines, piece.code)
            for envelope in envelopes
            for piece in envelope.pieces
        ]
    sheet = SHEETS[context.paper]
    name = f"01-labels-{'us-letter' if context.paper == 'letter' else 'a4'}.pdf"
    path = context.work / name
    pieces = sum(len(envelope.pieces) for envelope in envelopes)
    per_call = sheet.per_sheet * 20
    with open(path, "wb") as output:
        writer = PdfStreamWriter(output)
        done = 0
        for pdf in render_label_sheets(labels, context.paper, sheets_per_call=20):
            writer.add_pdf(BytesIO(pdf), expected_size=SHEET_SIZES[context.paper])
            before = pieces * done // max(1, len(labels))
            done = min(len(labels), done + per_call)
            context.on_piece(pieces * done // max(1, len(labels)) - before)
        pages = writer.close()
        _sync(output)
    by_file = {print_file.name: print_file for print_file in files}
    return {
        "name": name,
        "kind": "labels",
        "paper": context.paper,
        "path": "",
        "size": path.stat().st_size,
        "pages": pages,
        "two_sided": False,
        "labels_per": labels_per,
        "envelopes": [
            _envelope_entry(context, by_file[print_file.name], envelope)
            for print_file in files
            for envelope in print_file.envelopes
        ],
    }
