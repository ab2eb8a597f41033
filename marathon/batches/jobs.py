"""The batch job: render what is missing (all cores), then assemble the batch's files.

``build_batch(batch_id)`` is idempotent. Each run claims the batch by bumping
``Batch.attempts``; every progress write and the final "done" are conditional on that attempt,
so a run that was superseded (its worker presumed dead and the batch requeued) stops without
touching anything. The files are written under temporary names, gathered in one ZIP (stored,
not compressed: PDFs are compressed already) written under a temporary name and renamed when
complete; the batch is "done" only after the rename, with the ZIP's size and each file's size
recorded (the downloads check them). Rendering is resumable (each letter's PDF is stored once);
assembly starts over on a retry, so no page is ever missing or doubled.

What the files hold (see :mod:`marathon.batches.plan`): one file per kind and paper, a cover
sheet before each envelope's pieces, one kind and one addressee per envelope; a contents sheet
first. A batch of labels holds one file of label sheets, in the same envelope order.

Why one ZIP on disk: it is the batch's single artefact (``Batch.file_path``). Deleting it (the
retention purge does) deletes every printed name at once, and "download all" is that file.
Each file is served from it on its own.

A letter that fails to render is named with its cause in the batch's error (the others are
rendered and kept; see :mod:`marathon.batches.rendering`). A full disk fails the batch saying so;
nothing half-written is ever presented as done (temp names, renamed when whole).

A letter deleted while the batch is made: if it was deleted before its row was read, it is left
out; after, the files made hold it, so the final transaction withdraws them at once (see
:mod:`marathon.batches.withdrawal`). ``Batch.letter_ids`` of a finished batch are the letters
its files hold.

Errors recorded in the database and logs name ids and exception types, never personal data.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update

from marathon.batches import assembly
from marathon.batches.models import Batch
from marathon.batches.plan import Piece, destinations, plan_files
from marathon.batches.printfile import Context
from marathon.batches.rendering import LetterFailed, LettersFailed, cause_of, render_missing
from marathon.batches.withdrawal import purged_among, withdraw_own_files
from marathon.clock import utcnow
from marathon.database import begin_write
from marathon.extensions import db
from marathon.kinds import KINDS
from marathon.letters.models import Letter
from marathon.storage import batches_dir, is_disk_full, storage_root, stored_path

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
    included: list[int] = field(default_factory=list)  # the letters the files hold
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
        _update(self, done=done, total=self.total, heartbeat_at=utcnow())


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
    """Build the files of batch ``batch_id`` (the queue's job)."""
    run = _claim(batch_id)
    if run is None:
        return
    try:
        _remove_leftovers(run)
        labels_only = run.product == "labels"  # labels need no letter's PDF
        missing = [] if labels_only else _missing_pdfs(run.letter_ids)
        run.total = len(missing) + len(run.letter_ids)
        run.progress(0, force=True)
        render_missing(missing, run.progress)
        work = _work_dir(run)
        work.mkdir()
        with force_locale(current_app.config["DEFAULT_LOCALE"]):
            entries = _assemble(run, work)
        final = _pack(run, work, entries)
        storage = storage_root()
        relative = final.relative_to(storage).as_posix()
        for entry in entries:
            entry["path"] = relative
        pages = sum(entry["pages"] for entry in entries)
        _finish(
            run,
            final,
            status="done",
            done=run.total,
            total=run.total,
            pages=pages,
            files=entries,
            file_path=relative,
            file_size=final.stat().st_size,
            letter_ids=run.included,
            finished_at=utcnow(),
            heartbeat_at=utcnow(),
            error=None,
        )
        log.info("batch %s done: %s files, %s pages", batch_id, len(entries), pages)
    except Superseded:
        db.session.rollback()
        _remove_own(run)
        log.warning("batch %s attempt %s superseded by a newer run", batch_id, run.attempt)
    except Exception as exc:
        db.session.rollback()
        _remove_own(run)
        if isinstance(exc, LettersFailed | LetterFailed):
            log.warning("batch %s attempt %s failed: %s", batch_id, run.attempt, exc)
        else:
            log.exception("batch %s attempt %s failed", batch_id, run.attempt)
        _record_failure(run, exc)
        if is_disk_full(exc) or getattr(exc, "disk_full", False):
            # Said as the system said it, so a page that ran the job (eager mode) answers 503.
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from exc
        raise


def _finish(run: _Run, final: Path, **values: Any) -> None:
    """Record the batch done, unless a letter its files hold was deleted since its row was read:
    then its files are deleted in the same transaction (the batch is withdrawn).

    The batch's row is updated (locked) first and the letters checked after: a deletion that
    committed before this check is seen here; one that comes later waits for this transaction,
    then finds the batch done and withdraws it (:mod:`marathon.batches.withdrawal`).
    """
    begin_write()
    try:
        result = db.session.execute(
            update(Batch)
            .where(
                Batch.id == run.batch_id,
                Batch.attempts == run.attempt,
                Batch.status == "running",
            )
            .values(**values)
        )
        if result.rowcount == 0:
            raise Superseded(run.batch_id)
        deleted = purged_among(run.included)
        if deleted:
            withdraw_own_files(run.batch_id, final)
            log.info("batch %s: %s letters deleted while it was made", run.batch_id, len(deleted))
        db.session.commit()
    except BaseException:
        db.session.rollback()
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
    batch.files = None
    batch.started_at = batch.heartbeat_at = utcnow()
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


def failure_message(batch_id: int, attempt: int, exc: BaseException) -> str:
    """The batch's error: what failed, for which letters and why (ids and causes only)."""
    message = f"{type(exc).__name__} (batch {batch_id}, attempt {attempt})"
    if isinstance(exc, LettersFailed | LetterFailed):
        return f"{message}: {exc}"
    return f"{message}: {cause_of(exc)}" if isinstance(exc, OSError) else message


def _record_failure(run: _Run, exc: BaseException) -> None:
    message = failure_message(run.batch_id, run.attempt, exc)
    try:
        begin_write()
        db.session.execute(
            update(Batch)
            .where(Batch.id == run.batch_id, Batch.attempts == run.attempt)
            .values(status="failed", error=message, heartbeat_at=utcnow())
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("batch %s: could not record the failure", run.batch_id)


# --- files on disk ------------------------------------------------------------------------------


def _batch_dir() -> Path:
    path = batches_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _work_dir(run: _Run) -> Path:
    return _batch_dir() / f".batch-{run.batch_id}-{run.attempt}.tmp"


def _final_path(run: _Run) -> Path:
    return _batch_dir() / f"batch-{run.batch_id}-{run.attempt}.zip"


def _unlink(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _remove_leftovers(run: _Run) -> None:
    """Delete the temp and final files of earlier attempts (a killed run leaves its temp)."""
    for pattern in (f".batch-{run.batch_id}-*", f"batch-{run.batch_id}-*"):
        for leftover in _batch_dir().glob(pattern):
            _unlink(leftover)


def _remove_own(run: _Run) -> None:
    """Delete what this attempt wrote (it failed, or a newer attempt took over)."""
    for path in (_work_dir(run), _work_dir(run).with_suffix(".zip"), _final_path(run)):
        _unlink(path)


def _pack(run: _Run, work: Path, entries: list[dict[str, Any]]) -> Path:
    """The files in one ZIP (stored), synced, renamed into place; the work dir removed."""
    temp = _work_dir(run).with_suffix(".zip")
    with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_STORED) as archive:
        for entry in entries:
            archive.write(work / entry["name"], arcname=entry["name"])
    with open(temp, "rb") as written:
        os.fsync(written.fileno())
    final = _final_path(run)
    os.replace(temp, final)
    shutil.rmtree(work, ignore_errors=True)
    return final


# --- letters' rows, in chunks -------------------------------------------------------------------


def _rows(letter_ids: list[int]) -> Iterator[Piece]:
    """The letters' rows in the batch's order, loaded a chunk at a time."""
    columns = (
        Letter.id,
        Letter.code,
        Letter.case_id,
        Letter.kind,
        Letter.language,
        Letter.paper,
        Letter.pdf_path,
        Letter.pdf_pages,
    )
    for start in range(0, len(letter_ids), ID_CHUNK):
        chunk = letter_ids[start : start + ID_CHUNK]
        found = {
            row.id: Piece(*row)
            for row in db.session.execute(
                select(*columns).where(Letter.id.in_(chunk), Letter.purged_at.is_(None))
            )
        }
        db.session.rollback()  # end the read transaction: writers are never kept waiting
        for letter_id in chunk:
            if letter_id in found:
                yield found[letter_id]


def _pdf_file(row: Piece) -> Path | None:
    if not row.pdf_path:
        return None
    path = stored_path(row.pdf_path)
    return path if path.is_file() else None


def _missing_pdfs(letter_ids: list[int]) -> list[int]:
    return [row.id for row in _rows(letter_ids) if _pdf_file(row) is None]


def require_pdf(row: Piece) -> Path:
    """The stored PDF of ``row``; :class:`LetterFailed` if it is missing."""
    path = _pdf_file(row)
    if path is None:
        raise LetterFailed(row.id, "missing PDF")
    return path


# --- assembly -----------------------------------------------------------------------------------


def _assemble(run: _Run, work: Path) -> list[dict[str, Any]]:
    """Write the batch's files into ``work``; return their entries (``Batch.files``)."""

    pieces = list(_rows(run.letter_ids))
    run.included = [piece.id for piece in pieces]
    for piece in pieces:
        if piece.kind not in KINDS:
            raise LetterFailed(piece.id, "unknown kind")
    language = current_app.config["DEFAULT_LOCALE"]
    destination, names = destinations({piece.case_id for piece in pieces}, language)
    files = plan_files(pieces, run.paper, destination, names)
    offset = run.total - len(run.letter_ids)  # letters rendered before assembly began
    done = 0

    def on_piece(count: int = 1) -> None:
        nonlocal done
        done += count
        run.progress(offset + done)

    context = Context(run.batch_id, run.paper, work, require_pdf, on_piece)
    if run.product == "labels":
        return [assembly.write_labels(context, files, run.filters.get("labels_per", "letter"))]
    return assembly.write_print_files(context, files)
