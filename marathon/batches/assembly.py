"""Writing a batch's files: print files (covers, then pieces) and labels (the contents sheet:
marathon/batches/contents.py).

Each print file holds one paper size: every page is checked against the file's sheet as it is
written (a letter rendered on another paper fails the batch, naming the letter's id). A cover
sheet, on the file's own sheet, comes before each envelope's pieces; in a two-sided file it has
a blank back, so every envelope starts on the front of a sheet.

Speed: merging pre-rendered letters is quick (pikepdf), while the cover sheets and the contents
sheet are laid out by WeasyPrint, which needs a second or two to start. So a batch of many
pieces has them rendered by a process of their own (forked: it starts with everything imported)
while this one merges the pieces; each envelope's place is kept in its file's page list and its
cover goes there once rendered (the page order of a PDF is its page list, not where the pages
lie in the file). A small batch, or a process with threads (forking it could deadlock the
child), renders them here: the same function, the same files.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from io import BytesIO
from itertools import accumulate
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from flask import current_app

from marathon.batches.contents import contents_arguments, write_contents
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
    render_contents,
    render_covers,
    render_label_sheets,
)
from marathon.batches.pdfstream import PageSizeError, PdfStreamWriter, Source, check_size
from marathon.batches.plan import Envelope, PrintFile
from marathon.batches.printfile import Context, is_two_sided, kind_label, money
from marathon.batches.rendering import LetterFailed, pool_initializer
from marathon.kinds import KINDS

log = logging.getLogger(__name__)

# From this many pieces, covers and the contents sheet are rendered by a process of their own,
# beside the merging (below, starting that process and WeasyPrint in it costs more than it saves).
SHEETS_APART_FROM = 100


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


def _envelope_entry(context: Context, print_file: PrintFile, envelope: Envelope) -> dict[str, Any]:
    summary = envelope.summary(context.paper)
    postage, _note = context.postage(envelope, envelope.weight(context.paper))
    summary["file"] = print_file.name
    summary["postage"] = (
        {"price": str(postage.price), "currency": postage.currency} if postage else None
    )
    return summary


@dataclass(frozen=True)
class SheetsJob:
    """What the cover sheets and the contents sheet of a batch say. Picklable: it may be
    rendered by another process."""

    paper: str  # the contents sheet's (the batch's paper)
    covers: tuple[tuple[str, tuple[Cover, ...], bool], ...]  # per file: paper, covers, two-sided
    contents: dict[str, Any]  # render_contents' arguments; each file row's "pages" is filled in


@dataclass(frozen=True)
class Sheets:
    """The rendered sheets: per print file, its covers as one PDF and the pages of each cover
    (one, or more when an address ran over a page), and the file's pages; the contents sheet."""

    covers: tuple[tuple[bytes, tuple[int, ...]], ...]
    pages: tuple[int, ...]
    contents: bytes


def render_sheets(job: SheetsJob) -> Sheets:
    """Render the covers of every print file (one document per file), then the contents sheet
    with each file's pages."""
    covers, pages = [], []
    for paper, file_covers, two_sided in job.covers:
        pdf, counts = render_covers(list(file_covers), paper)
        covers.append((pdf, counts))
        # A cover of an odd number of pages gets a blank back in a two-sided file.
        pages.append(
            sum(count + (count % 2 if two_sided else 0) for count in counts)
            + sum(cover.printed_pages for cover in file_covers)
        )
    rows = [
        {**row, "pages": count} for row, count in zip(job.contents["files"], pages, strict=True)
    ]
    contents = render_contents(job.paper, **{**job.contents, "files": rows})
    return Sheets(tuple(covers), tuple(pages), contents)


def sheets_job(context: Context, files: list[PrintFile]) -> SheetsJob:
    """The covers of every print file and the contents sheet's words (see contents.py)."""
    total = sum(len(each.envelopes) for each in files)
    covers = []
    for print_file in files:
        two_sided = is_two_sided(print_file)
        file_covers = tuple(
            _cover(
                context,
                print_file,
                envelope,
                total,
                _printed_pages(print_file, envelope, two_sided),
                two_sided,
            )
            for envelope in print_file.envelopes
        )
        covers.append((print_file.paper, file_covers, two_sided))
    return SheetsJob(context.paper, tuple(covers), contents_arguments(context, files))


@contextmanager
def _sheets_rendering(job: SheetsJob, apart: bool) -> Iterator[Callable[[], Sheets]]:
    """A function that returns the rendered sheets: rendered meanwhile by another process when
    ``apart`` (and this process has no other thread), else here when it is called."""
    if not apart or threading.active_count() != 1:
        yield lambda: render_sheets(job)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pool = get_context("fork").Pool(1, initializer=pool_initializer, initargs=(None, app))
    try:
        pending = pool.apply_async(render_sheets, (job,))
        yield pending.get
    finally:
        pool.terminate()  # done, or this batch failed: nothing of it is wanted any more
        pool.join()


def write_print_files(context: Context, files: list[PrintFile]) -> list[dict[str, Any]]:
    """Write the print files and the contents sheet; return their entries, contents first."""
    job = sheets_job(context, files)
    pieces = sum(len(envelope.pieces) for each in files for envelope in each.envelopes)
    with ExitStack() as open_files, _sheets_rendering(job, pieces >= SHEETS_APART_FROM) as sheets:
        drafts = [_write_pieces(context, print_file, open_files) for print_file in files]
        rendered = sheets()
        entries = [
            write_print_file(context, print_file, draft, rendered.covers[index])
            for index, (print_file, draft) in enumerate(zip(files, drafts, strict=True))
        ]
    contents = rendered.contents
    if [entry["pages"] for entry in entries] != list(rendered.pages):
        # A stored page count was wrong: the contents sheet says what the files hold.
        log.warning(
            "batch %s: pages differ from the plan; contents sheet rendered again", context.batch_id
        )
        rows = [
            {**row, "pages": entry["pages"]}
            for row, entry in zip(job.contents["files"], entries, strict=True)
        ]
        contents = render_contents(context.paper, **{**job.contents, "files": rows})
    return [write_contents(context, contents), *entries]


@dataclass
class _Draft:
    """A print file whose pieces are written, not yet its covers: it stays open."""

    path: Path
    output: Any
    writer: PdfStreamWriter
    slots: list[int]  # per envelope, where its cover goes in the page list


def _write_pieces(context: Context, print_file: PrintFile, open_files: ExitStack) -> _Draft:
    """Write the pieces of every envelope of ``print_file``, keeping a place for each cover."""
    known = KINDS[print_file.kind]
    two_sided = is_two_sided(print_file)
    sheet = SHEET_SIZES[print_file.paper]
    path = context.work / print_file.name
    output = open_files.enter_context(path.open("wb"))
    writer = PdfStreamWriter(output)
    slots = []
    for envelope in print_file.envelopes:
        slots.append(writer.page_count)
        if known.imposed:
            _impose(context, print_file, envelope, writer, two_sided)
            continue
        for piece in envelope.pieces:
            try:
                writer.add_pdf(
                    str(context.require_pdf(piece)), pad_to_even=True, expected_size=sheet
                )
            except PageSizeError:
                raise LetterFailed(piece.id, "page size") from None
            context.on_piece()
    return _Draft(path, output, writer, slots)


def write_print_file(
    context: Context,
    print_file: PrintFile,
    draft: _Draft,
    covers: tuple[bytes, tuple[int, ...]],
) -> dict[str, Any]:
    """Finish one print file: each envelope's cover (its pages of the covers' PDF) in its
    place; return its ``Batch.files`` entry."""
    two_sided = is_two_sided(print_file)
    sheet = SHEET_SIZES[print_file.paper]
    writer = draft.writer
    pdf, counts = covers
    if draft.slots:
        with Source(BytesIO(pdf)) as source:
            all_pages = list(source.pages)
            if len(all_pages) != sum(counts):
                raise RuntimeError(f"{print_file.name}: the covers' pages are not as rendered")
            firsts = [0, *accumulate(counts)][:-1]
            # From the last envelope to the first: a cover put in leaves the places before it.
            for slot, first, count in reversed(list(zip(draft.slots, firsts, counts, strict=True))):
                for offset, page in enumerate(all_pages[first : first + count]):
                    check_size(page, sheet)
                    writer.add_page(page, source, at=slot + offset)
                if two_sided and count % 2:
                    writer.add_blank(*sheet, at=slot + count)
    pages_written = writer.close()
    # Not synced: the work files only feed the batch's ZIP, which is synced before it is
    # renamed into place (marathon/batches/jobs.py); a crash before that starts them over.
    draft.output.close()
    return {
        "name": print_file.name,
        "kind": print_file.kind,
        "paper": print_file.paper,
        "path": "",
        "size": draft.path.stat().st_size,
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
        pages = writer.close()  # not synced: see write_print_file
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
