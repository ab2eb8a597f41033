"""Print batches: what to print, starting, following, marking printed and sent.

A batch freezes the ids of its letters when it starts; the job
(:func:`marathon.batches.jobs.build_batch`) builds its file in the background and records its
progress in the database, the source of truth the pages read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import Select, or_, select, text, update

from marathon.accounts.access import visible_group_ids
from marathon.batches.models import Batch
from marathon.batches.plan import preview_files as planned
from marathon.cases.models import Case
from marathon.clock import as_utc, utcnow
from marathon.database import begin_write
from marathon.extensions import db
from marathon.jobs import enqueue, job_alive
from marathon.kinds import KIND_NAMES, KINDS, POSTCARD_KINDS
from marathon.letters.models import PAPER_SIZES, Letter
from marathon.storage import batches_dir, stored_path

# "letters": everything to post that the filters select, one file per kind and paper (see
# marathon/batches/plan.py); "labels": their address labels. "postcards" (the postcards only,
# split the same way) is kept for older batches, reprints and scripts; the form no longer offers it.
PRODUCTS = ("letters", "postcards", "labels")
PAPERS = ("a4", "letter")
LABELS_PER = ("letter", "destination")
ACTIVE = ("queued", "running")
FINISHED = ("done", "printed", "sent")
BUILD_TASK = "marathon.batches.jobs.build_batch"
STALE_AFTER = timedelta(seconds=120)  # a running batch without progress for this long is stale


class BatchError(ValueError):
    """A batch request that cannot be honoured; the message says what to fix."""


def job_id_for(batch_id: int) -> str:
    """The queue's job id of a batch (one live job per batch)."""
    return f"batch-{batch_id}"


def _int_or_none(value: Any, field: str) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BatchError(_l("%(field)s must be a number.", field=field)) from None
    if number <= 0:
        raise BatchError(_l("%(field)s must be a number.", field=field))
    return number


def normalise_filters(raw: dict[str, Any] | None) -> dict[str, Any]:
    """The filters in canonical form (unknown keys dropped, empty values removed)."""

    raw = raw or {}
    filters: dict[str, Any] = {}
    for key in ("event_id", "group_id", "case_id"):
        number = _int_or_none(raw.get(key), key)
        if number is not None:
            filters[key] = number
    kind = raw.get("kind") or None
    if kind is not None:
        if kind not in KINDS:
            raise BatchError(_l("Unknown kind of letter."))
        filters["kind"] = kind
    language = (raw.get("language") or "").strip() or None
    if language is not None:
        if len(language) > 10:
            raise BatchError(_l("Unknown language."))
        filters["language"] = language
    letter_paper = raw.get("letter_paper") or None
    if letter_paper is not None:
        if letter_paper not in PAPER_SIZES:
            raise BatchError(_l("Unknown paper size."))
        filters["letter_paper"] = letter_paper
    if raw.get("unprinted") in (True, "1", "true", "on", "y", "yes"):
        filters["unprinted"] = True
    labels_per = raw.get("labels_per") or None
    if labels_per is not None:
        if labels_per not in LABELS_PER:
            raise BatchError(_l("Labels go one per letter or one per destination."))
        filters["labels_per"] = labels_per
    return filters


def filter_key(product: str, paper: str, filters: dict[str, Any]) -> str:
    """A stable hash of what a batch prints: the same request gives the same key."""
    canonical = json.dumps(
        {"product": product, "paper": paper, "filters": filters}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _check(product: str, paper: str) -> None:
    if product not in PRODUCTS:
        raise BatchError(_l("Choose what to print: the letters or their address labels."))
    if paper not in PAPERS:
        raise BatchError(_l("Choose A4 or US Letter paper."))


def letters_query(product: str, paper: str, filters: dict[str, Any]) -> Select[Any]:
    """The letters a batch prints, in print order (case, kind, then as written).

    Every kind is selected (the batch splits them into files by kind and paper); the ``kind``
    filter narrows it to one, product "postcards" to the postcards. ``letter_paper`` narrows the
    appeal letters to one paper (cards and postcards print on the batch's sheet whatever the
    letter's paper says). ``paper`` no longer filters: it is the sheet cards are imposed on.
    """

    del paper  # kept in the signature for callers; see the docstring
    query = select(Letter.id).join(Case, Case.id == Letter.case_id)
    query = query.where(Letter.purged_at.is_(None), Letter.kind.in_(KIND_NAMES))
    for key, column in (
        ("event_id", Letter.event_id),
        ("group_id", Letter.group_id),
        ("case_id", Letter.case_id),
        ("language", Letter.language),
    ):
        if key in filters:
            query = query.where(column == filters[key])
    if product == "postcards":
        query = query.where(Letter.kind.in_(POSTCARD_KINDS))
    if "kind" in filters:
        query = query.where(Letter.kind == filters["kind"])
    if "letter_paper" in filters:
        on_letter_paper = [name for name, known in KINDS.items() if known.paper == "letter"]
        query = query.where(
            or_(Letter.kind.not_in(on_letter_paper), Letter.paper == filters["letter_paper"])
        )
    if filters.get("unprinted"):
        query = query.where(Letter.status == "written")
    return query.order_by(Case.position, Case.id, Letter.kind, Letter.id)


def scoped_filters(filters: dict[str, Any], user: Any) -> dict[str, Any]:
    """``filters`` limited to what ``user`` may print: a coordinator, their own group only."""

    visible = visible_group_ids(user) if user is not None else None
    if visible is None:
        return filters
    if not visible:
        raise BatchError(_l("Your account is not attached to a group."))
    if filters.get("group_id") not in (None, *visible):
        raise BatchError(_l("You can only print your own group's letters."))
    return {**filters, "group_id": filters.get("group_id") or visible[0]}


def preview_files(
    filters: dict[str, Any], product: str = "letters", paper: str = "a4"
) -> list[dict[str, Any]]:
    """The files a batch with these filters would print (see :func:`plan.preview_files`)."""
    _check(product, paper)

    ids = letters_query(product, paper, filters).order_by(None).subquery()
    return planned(select(ids.c.id), product, paper, filters.get("labels_per"))


def preview_batch(
    filters: dict[str, Any], product: str = "letters", paper: str = "a4"
) -> tuple[int, int]:
    """How many letters, and about how many pages (every file, the contents sheet included)."""
    files = preview_files(filters, product, paper)
    count = sum(entry["count"] for entry in files)
    pages = sum(entry["pages"] for entry in files)
    if product != "labels" and files:
        pages += 1  # the contents sheet
    return count, pages


def _lock_key(key: str) -> None:
    """Serialise starts of the same batch (PostgreSQL; SQLite's BEGIN IMMEDIATE already does)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(key[:15], 16)})


def start_batch(product: str, filters: dict[str, Any], paper: str, user: Any = None) -> Batch:
    """Start printing: freeze the letters, queue the job. The same batch running is returned."""
    _check(product, paper)
    filters = scoped_filters(normalise_filters(filters), user)
    if product != "labels":
        filters.pop("labels_per", None)
    elif "labels_per" not in filters:
        filters["labels_per"] = "letter"
    key = filter_key(product, paper, filters)

    def new_batch() -> Batch:
        letter_ids = list(db.session.scalars(letters_query(product, paper, filters)))
        if not letter_ids:
            raise BatchError(_l("No letters match these choices: nothing to print."))
        return Batch(
            product=product,
            paper=paper,
            filters=filters,
            filter_key=key,
            status="queued",
            done=0,
            total=len(letter_ids),
            attempts=0,
            letter_ids=letter_ids,
            group_id=filters.get("group_id"),
            created_by_id=getattr(user, "id", None),
        )

    return start_once(key, new_batch)


def start_once(key: str, new_batch: Callable[[], Batch]) -> Batch:
    """The batch of ``key`` already queued or running, else ``new_batch()`` saved and queued.

    Starts of the same key are serialised, so a double click never makes two batches.
    """
    begin_write()
    try:
        _lock_key(key)
        running = db.session.scalar(
            select(Batch)
            .where(Batch.filter_key == key, Batch.status.in_(ACTIVE))
            .order_by(Batch.id)
            .limit(1)
        )
        if running is not None:
            db.session.commit()
            return running
        batch = new_batch()
        db.session.add(batch)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    _queue_build(batch)
    return batch


def _queue_build(batch: Batch, *, replace: bool = False) -> None:
    """Queue the job that builds ``batch``; an unreachable queue marks the batch failed."""

    # Big batches get more time; the job records progress, so a timeout is visible.
    timeout = max(600, 120 + 2 * len(batch.letter_ids or ()))
    try:
        enqueue(BUILD_TASK, batch.id, job_id=job_id_for(batch.id), timeout=timeout, replace=replace)
    except (RedisError, OSError) as exc:
        if current_app.config.get("JOBS_EAGER"):
            raise  # the job ran here and failed (a full disk): it recorded why itself
        # The queue is unreachable: the batch says so, and its Retry button queues it again.
        current_app.logger.warning("batch %s: the job queue could not be reached", batch.id)
        begin_write()
        db.session.execute(
            update(Batch)
            .where(Batch.id == batch.id)
            .values(status="failed", error=f"{type(exc).__name__}: the job queue is unreachable")
        )
        db.session.commit()
        db.session.refresh(batch)


def is_stale(
    batch: Batch, now: datetime | None = None, stale_after: timedelta = STALE_AFTER
) -> bool:
    """A queued or running batch whose job shows no sign of life for ``stale_after``."""
    if batch.status not in ACTIVE:
        return False
    now = now or utcnow()
    moments = (batch.heartbeat_at, batch.started_at, batch.created_at)
    last = next((as_utc(moment) for moment in moments if moment is not None), None)
    if last is None or now - last < stale_after:
        return False

    # In-process, a live job is known for sure; on RQ a killed worker's job still looks started.
    in_process = not current_app.config.get("REDIS_URL")
    return not (in_process and job_alive(job_id_for(batch.id)))


def can_retry(batch: Batch) -> bool:
    """Whether the Retry button applies: the batch failed, or its worker stopped answering."""
    return batch.status == "failed" or is_stale(batch)


def retry_batch(batch: Batch, *, force: bool = False) -> Batch:
    """Queue a failed (or stale) batch again; it starts over cleanly."""
    if not force and not can_retry(batch):
        raise BatchError(_l("This batch is not failed or stuck: there is nothing to retry."))
    begin_write()
    db.session.execute(
        update(Batch)
        .where(Batch.id == batch.id)
        .values(status="queued", error=None, heartbeat_at=utcnow())
    )
    db.session.commit()
    db.session.refresh(batch)
    _queue_build(batch, replace=True)
    return batch


def requeue_stale(stale_after: timedelta = STALE_AFTER) -> list[int]:
    """Queue again every batch whose worker died mid-way; returns their ids."""
    now = utcnow()
    batches = db.session.scalars(select(Batch).where(Batch.status.in_(ACTIVE))).all()
    requeued = []
    for batch in batches:
        if is_stale(batch, now, stale_after):
            retry_batch(batch, force=True)
            requeued.append(batch.id)
    return requeued


def visible_batches(user: Any) -> Select[Any]:
    """The batches ``user`` may see, newest first."""

    query = select(Batch).order_by(Batch.id.desc())
    visible = visible_group_ids(user)
    if visible is not None:
        query = query.where(Batch.group_id.in_(visible or [-1]))
    return query


def storage_dir() -> Path:
    """Where batch files are written (shared by the app and the workers)."""
    path = batches_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def ready_file(batch: Batch) -> Path | None:
    """The batch's finished file (the ZIP of its files), only if done, whole and not withdrawn."""
    if batch.status not in FINISHED or not batch.file_path or batch.file_size is None:
        return None
    if batch.withdrawn_at is not None:
        return None
    path = stored_path(batch.file_path)
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return path if size == batch.file_size else None


def status_payload(batch: Batch) -> dict[str, Any]:
    """The JSON the progress bar polls (ids and numbers only)."""
    percent = 100 if batch.status in FINISHED else 0
    if batch.total and batch.status not in FINISHED:
        percent = min(99, int(100 * batch.done / batch.total))
    return {
        "id": batch.id,
        "status": batch.status,
        "done": batch.done,
        "total": batch.total,
        "percent": percent,
        "pages": batch.pages,
        "error": batch.error,
        "ready": ready_file(batch) is not None,
        "stale": is_stale(batch),
        "withdrawn": batch.withdrawn_reason if batch.withdrawn_at is not None else None,
    }


def failure_hint(batch: Batch) -> str | None:
    """What to do about a failed batch, when its error says (the error names ids and causes)."""
    error = batch.error or ""
    if batch.status != "failed" or not error:
        return None
    if "ENOSPC" in error or "EDQUOT" in error:
        return str(
            _l(
                "The server's storage was full. Nothing was lost: the letters rendered so far "
                "are kept. Free some space (or ask the administrator to), then press Retry."
            )
        )
    if "letter id" in error:
        return str(
            _l(
                "The letters named below could not be made; the others are ready and kept. "
                "Press Retry to try again: if the same letters fail, tell the administrator "
                "their ids."
            )
        )
    return None
