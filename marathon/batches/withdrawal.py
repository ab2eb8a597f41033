"""A batch's files go when a letter in them goes: "withdrawn", with the reason on its page.

Print files carry the writers' names. When a writer deletes a letter (or the retention period
ends), every batch whose files hold it loses its files: the ZIP is deleted, the batch records
when and why (``Batch.withdrawn_at``, ``withdrawn_reason``) and keeps its status, counts and list
of files. The coordinator sees why on the batch page and can rebuild the batch without the
deleted letters (:func:`marathon.batches.printing.reprint_batch` leaves them out).

A batch still being built is not touched here: when it finishes it checks whether a letter it
printed was deleted meanwhile (:func:`marathon.batches.jobs.build_batch`) and withdraws its own
files. Both sides take the batch's row lock, so one of them always sees the other: either the
deletion waits for the batch to be done and withdraws it, or the batch, waiting for the
deletion, sees the letter deleted.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from marathon.batches.models import WITHDRAWN_REASONS, Batch
from marathon.batches.service import ACTIVE, storage_dir
from marathon.clock import utcnow
from marathon.database import begin_write
from marathon.extensions import db
from marathon.letters.models import Letter
from marathon.storage import storage_root, stored_path

log = logging.getLogger(__name__)

ID_CHUNK = 500
# The files of batch <id>, attempt <n>: "batch-<id>-<n>.zip" (".pdf" for the oldest batches);
# a run's temp work ".batch-<id>-<n>.tmp" (a folder) and ".batch-<id>-<n>.zip".
BATCH_FILE = re.compile(r"^\.?batch-(\d+)-(\d+)\.")


def purged_among(letter_ids: Iterable[int]) -> set[int]:
    """The ids of ``letter_ids`` whose letter is deleted (or purged)."""
    ids = list(letter_ids)
    found: set[int] = set()
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        found.update(
            db.session.scalars(
                select(Letter.id).where(Letter.id.in_(chunk), Letter.purged_at.is_not(None))
            )
        )
    return found


def remaining_letter_ids(letter_ids: Iterable[int]) -> list[int]:
    """``letter_ids`` without the deleted letters, in the same order."""
    ids = list(letter_ids)
    gone = purged_among(ids)
    return [letter_id for letter_id in ids if letter_id not in gone]


def withdraw_batches_holding(letter_ids: Collection[int], reason: str) -> list[int]:
    """Delete the files of every finished batch holding one of ``letter_ids``; their ids.

    Idempotent: a batch already withdrawn is left as it is.
    """
    if reason not in WITHDRAWN_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    wanted = set(letter_ids)
    if not wanted:
        return []
    begin_write()
    try:
        # Running batches are locked too (and left alone): one finishing now is then seen done.
        candidates = db.session.scalars(
            select(Batch)
            .where(
                Batch.withdrawn_at.is_(None),
                or_(Batch.status == "running", Batch.file_path.is_not(None)),
            )
            .order_by(Batch.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        withdrawn = [
            batch
            for batch in candidates
            if batch.file_path and wanted.intersection(batch.letter_ids or ())
        ]
        for batch in withdrawn:
            _withdraw(batch, reason)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    ids = [batch.id for batch in withdrawn]
    if ids:
        log.info("batches %s withdrawn (%s letter)", ids, reason)
    return ids


def withdraw_batches_with_deleted_letters() -> list[int]:
    """Withdraw every batch whose files still hold a deleted letter (a sweep: the purge runs
    it, in case a deletion stopped between erasing the letter and withdrawing its batches)."""
    rows = db.session.execute(
        select(Batch.id, Batch.letter_ids).where(
            Batch.withdrawn_at.is_(None), Batch.file_path.is_not(None)
        )
    ).all()
    db.session.rollback()
    gone: set[int] = set()
    for _batch_id, letter_ids in rows:
        gone.update(purged_among(letter_ids or ()))
    db.session.rollback()
    return withdraw_batches_holding(gone, "deleted") if gone else []


def _withdraw(batch: Batch, reason: str) -> None:
    """Delete the batch's file (in the caller's write transaction) and record why."""
    path = stored_path(str(batch.file_path))
    path.unlink(missing_ok=True)  # before the commit: a failed commit never leaves the file
    batch.file_path = None
    batch.file_size = None
    batch.withdrawn_at = utcnow()
    batch.withdrawn_reason = reason


def withdraw_own_files(batch_id: int, path: Path) -> None:
    """In the build's final transaction: the batch's new files hold a letter deleted meanwhile."""
    path.unlink(missing_ok=True)
    batch = db.session.get(Batch, batch_id)
    if batch is not None:
        batch.file_path = None
        batch.file_size = None
        batch.withdrawn_at = utcnow()
        batch.withdrawn_reason = "deleted"


def remove_unreferenced_files() -> int:
    """Delete files in the batches' folder that no batch refers to (left by a crash); how many.

    The folder is listed before the batches are read, so a file a run makes meanwhile is never
    taken for a leftover; the files of a batch's current run (queued or running) are kept.
    """
    folder = storage_dir()
    entries = [entry for entry in folder.iterdir() if BATCH_FILE.match(entry.name)]
    if not entries:
        return 0
    storage = storage_root()
    rows = {
        row.id: row
        for row in db.session.execute(
            select(Batch.id, Batch.status, Batch.attempts, Batch.file_path)
        ).all()
    }
    db.session.rollback()
    removed = 0
    for entry in entries:
        batch_id, attempt = (int(number) for number in BATCH_FILE.findall(entry.name)[0])
        row = rows.get(batch_id)
        if row is not None:
            if row.file_path and storage / row.file_path == entry:
                continue
            if row.status in ACTIVE and (row.attempts or 0) <= attempt:
                continue  # the current run's work (or the next one's)
        _remove(entry)
        removed += 1
    return removed


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def withdrawal_summary(batch: Batch) -> dict[str, Any] | None:
    """What the batch page says about a withdrawn batch: when, why, how many letters are gone
    and how many remain to rebuild."""
    if batch.withdrawn_at is None:
        return None
    ids = list(batch.letter_ids or ())
    gone = purged_among(ids)
    return {
        "reason": batch.withdrawn_reason or "deleted",
        "at": batch.withdrawn_at,
        "deleted": len(gone),
        "remaining": len(ids) - len(gone),
    }
