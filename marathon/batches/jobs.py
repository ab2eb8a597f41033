"""The batch job: render what is missing (all cores), then assemble the batch file.

``build_batch(batch_id)`` is idempotent. Each run claims the batch by bumping
``Batch.attempts``; every progress write and the final "done" are conditional on that attempt,
so a run that was superseded (its worker presumed dead and the batch requeued) stops without
touching anything. The file is written to a temporary name and renamed when complete; the batch
is "done" only after the rename, with the file's size recorded (the download checks it).
Rendering is resumable (each letter's PDF is stored once); assembly starts over on a retry, so
no page is ever missing or doubled.

Errors recorded in the database and logs name ids and exception types, never personal data.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from marathon.batches.models import Batch
from marathon.batches.rendering import LetterFailed, render_missing
from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import Letter

log = logging.getLogger(__name__)

PROGRESS_EVERY = 25  # letters between two progress writes
PROGRESS_SECONDS = 1.0  # ... or this long, whichever comes first
ID_CHUNK = 500


class Superseded(Exception):
    """Another run of the same batch took over; this one stops quietly."""


@dataclass
class _Run:
    batch_id: int
    attempt: int
    product: str
    paper: str
    filters: dict[str, Any]
    letter_ids: list[int]
    done: int = 0
    total: int = 0
    last_write: float = field(default_factory=time.monotonic)

    def progress(self, done: int, *, force: bool = False) -> None:
        """Record ``done`` (a short write transaction every few letters or every second)."""
        self.done = done
        now = time.monotonic()
        if not force and done % PROGRESS_EVERY and now - self.last_write < PROGRESS_SECONDS:
            return
        self.last_write = now
        _update(self, done=done, total=self.total, heartbeat_at=datetime.now(UTC))


def _update(run: _Run, **values: Any) -> None:
    begin_write()
    result = db.session.execute(
        update(Batch)
        .where(Batch.id == run.batch_id, Batch.attempts == run.attempt, Batch.status == "running")
        .values(**values)
    )
    db.session.commit()
    if result.rowcount == 0:
        raise Superseded(run.batch_id)


def build_batch(batch_id: int) -> None:
    """Build the file of batch ``batch_id`` (the queue's job)."""
    run = _claim(batch_id)
    if run is None:
        return
    try:
        _remove_leftovers(run)
        missing = _missing_pdfs(run.letter_ids)
        run.total = len(missing) + len(run.letter_ids)
        run.progress(0, force=True)
        render_missing(missing, run.progress)
        path, pages = _assemble(run)
        final = path.with_name(f"batch-{run.batch_id}-{run.attempt}-{run.product}.pdf")
        os.replace(path, final)
        storage = Path(current_app.config["STORAGE_DIR"])
        _update(
            run,
            status="done",
            done=run.total,
            total=run.total,
            pages=pages,
            file_path=final.relative_to(storage).as_posix(),
            file_size=final.stat().st_size,
            finished_at=datetime.now(UTC),
            heartbeat_at=datetime.now(UTC),
            error=None,
        )
        log.info("batch %s done: %s pages", batch_id, pages)
    except Superseded:
        db.session.rollback()
        log.warning("batch %s attempt %s superseded by a newer run", batch_id, run.attempt)
    except Exception as exc:
        db.session.rollback()
        log.exception("batch %s attempt %s failed", batch_id, run.attempt)
        _record_failure(run, exc)
        raise


def _claim(batch_id: int) -> _Run | None:
    begin_write()
    batch = db.session.get(Batch, batch_id)
    if batch is None or batch.status in ("done", "printed", "sent"):
        db.session.rollback()
        return None  # already built (a duplicate delivery of the job): nothing to do
    batch.attempts = (batch.attempts or 0) + 1
    batch.status = "running"
    batch.done = 0
    batch.error = None
    batch.file_path = None
    batch.file_size = None
    batch.started_at = batch.heartbeat_at = datetime.now(UTC)
    run = _Run(
        batch_id=batch.id,
        attempt=batch.attempts,
        product=batch.product,
        paper=batch.paper,
        filters=dict(batch.filters or {}),
        letter_ids=list(batch.letter_ids or ()),
        total=batch.total,
    )
    db.session.commit()
    return run


def _record_failure(run: _Run, exc: BaseException) -> None:
    message = f"{type(exc).__name__} (batch {run.batch_id}, attempt {run.attempt})"
    failing = getattr(exc, "letter_id", None)
    if failing is not None:
        message += f", letter id {failing}"
    try:
        begin_write()
        db.session.execute(
            update(Batch)
            .where(Batch.id == run.batch_id, Batch.attempts == run.attempt)
            .values(status="failed", error=message, heartbeat_at=datetime.now(UTC))
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("batch %s: could not record the failure", run.batch_id)


def _batch_dir() -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "batches"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_leftovers(run: _Run) -> None:
    """Delete the temp and final files of earlier attempts (a killed run leaves its temp)."""
    for leftover in _batch_dir().glob(f".batch-{run.batch_id}-*.tmp"):
        leftover.unlink(missing_ok=True)
    for leftover in _batch_dir().glob(f"batch-{run.batch_id}-*.pdf"):
        leftover.unlink(missing_ok=True)


# --- letters' rows, in chunks -------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    id: int
    code: str
    case_id: int
    kind: str
    pdf_path: str | None


def _rows(letter_ids: list[int]) -> Iterator[_Row]:
    """The letters' rows in the batch's order, loaded a chunk at a time."""
    for start in range(0, len(letter_ids), ID_CHUNK):
        chunk = letter_ids[start : start + ID_CHUNK]
        found = {
            row.id: _Row(row.id, row.code, row.case_id, row.kind, row.pdf_path)
            for row in db.session.execute(
                select(Letter.id, Letter.code, Letter.case_id, Letter.kind, Letter.pdf_path).where(
                    Letter.id.in_(chunk), Letter.purged_at.is_(None)
                )
            )
        }
        db.session.rollback()  # end the read transaction: writers are never kept waiting
        for letter_id in chunk:
            if letter_id in found:
                yield found[letter_id]


def _pdf_file(row: _Row) -> Path | None:
    if not row.pdf_path:
        return None
    path = Path(current_app.config["STORAGE_DIR"]) / row.pdf_path
    return path if path.is_file() else None


def _missing_pdfs(letter_ids: list[int]) -> list[int]:
    return [row.id for row in _rows(letter_ids) if _pdf_file(row) is None]


# --- assembly -----------------------------------------------------------------------------------


def _assemble(run: _Run) -> tuple[Path, int]:
    from marathon.batches.pdfstream import PdfStreamWriter

    temp = _batch_dir() / f".batch-{run.batch_id}-{run.attempt}.tmp"
    offset = run.total - len(run.letter_ids)  # letters rendered before assembly began

    def on_letter(count: int) -> None:
        run.progress(offset + count)

    with open(temp, "wb") as output:
        writer = PdfStreamWriter(output)
        if run.product == "postcards":
            _assemble_postcards(run, writer, on_letter)
        elif run.product == "labels":
            _assemble_labels(run, writer, on_letter)
        else:
            _assemble_letters(run, writer, on_letter)
        pages = writer.close()
        output.flush()
        os.fsync(output.fileno())
    return temp, pages


def _require_pdf(row: _Row) -> Path:
    path = _pdf_file(row)
    if path is None:
        raise LetterFailed(row.id, "missing PDF")
    return path


@dataclass
class _Group:
    case_id: int
    lines: tuple[str, ...]
    letters: list[_Row] = field(default_factory=list)


def _groups(rows: Iterator[_Row]) -> list[_Group]:
    """Letters by destination (one addressee per group), in the batch's order.

    Only ids, codes and paths are kept per letter; the addressee comes from the case, once per
    case and kind.
    """
    from marathon.batches.labels import address_lines
    from marathon.letters.content import letter_content

    groups: dict[tuple[Any, ...], _Group] = {}
    destinations: dict[tuple[int, str], tuple[str, ...]] = {}
    for row in rows:
        key = (row.case_id, row.kind)
        if key not in destinations:
            letter = db.session.get(Letter, row.id)
            destinations[key] = address_lines(letter_content(letter).addressee)
            db.session.rollback()
        lines = destinations[key]
        group = groups.get((row.case_id, lines))
        if group is None:
            group = groups[(row.case_id, lines)] = _Group(row.case_id, lines)
        group.letters.append(row)
    return list(groups.values())


def _assemble_letters(run: _Run, writer: Any, on_letter: Callable[[int], None]) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    from marathon.batches.labels import Cover, render_covers
    from marathon.cases.models import Case

    groups = _groups(_rows(run.letter_ids))
    cases = {
        case.id: case
        for case in db.session.scalars(
            select(Case).where(Case.id.in_({group.case_id for group in groups}))
        )
    }
    covers = [
        Cover(
            lines=group.lines,
            person=cases[group.case_id].person,
            case_slug=cases[group.case_id].slug,
            count=len(group.letters),
            batch_id=run.batch_id,
            index=index,
            groups=len(groups),
        )
        for index, group in enumerate(groups, start=1)
    ]
    db.session.rollback()
    cover_reader = PdfReader(BytesIO(render_covers(covers, run.paper)))
    cover_mapping: dict[int, int] = {}
    count = 0
    for index, group in enumerate(groups):
        page = cover_reader.pages[index]
        writer.add_page(page, cover_mapping)
        writer.add_blank(float(page.mediabox.width), float(page.mediabox.height))
        for row in group.letters:
            writer.add_pdf(str(_require_pdf(row)), pad_to_even=True)
            count += 1
            on_letter(count)


def _assemble_postcards(run: _Run, writer: Any, on_letter: Callable[[int], None]) -> None:
    from marathon.batches.imposition import impose_postcards

    sources = (str(_require_pdf(row)) for row in _rows(run.letter_ids))
    impose_postcards(writer, sources, run.paper, on_card=on_letter)


def _assemble_labels(run: _Run, writer: Any, on_letter: Callable[[int], None]) -> None:
    from io import BytesIO

    from marathon.batches.labels import Label, render_label_sheets

    groups = _groups(_rows(run.letter_ids))
    if run.filters.get("labels_per") == "destination":
        labels = [Label(group.lines) for group in groups]
    else:
        labels = [Label(group.lines, row.code) for group in groups for row in group.letters]
    from marathon.batches.labels import SHEETS

    per_call = SHEETS[run.paper].per_sheet * 20
    done = 0
    for pdf in render_label_sheets(labels, run.paper, sheets_per_call=20):
        writer.add_pdf(BytesIO(pdf))
        done = min(len(labels), done + per_call)
        on_letter(len(run.letter_ids) * done // max(1, len(labels)))
