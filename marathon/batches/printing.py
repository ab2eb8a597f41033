"""After a batch's file is made: mark it printed, then sent; print the same letters again."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from marathon.batches.models import Batch
from marathon.batches.service import (
    FINISHED,
    BatchError,
    filter_key,
    start_once,
)
from marathon.batches.withdrawal import remaining_letter_ids
from marathon.database import begin_write
from marathon.letters.service import mark_letters


def mark_batch(batch: Batch, status: str) -> Batch:
    """Mark a finished batch printed, then sent; its letters' status follows."""

    if status not in ("printed", "sent"):
        raise BatchError(_l("A batch can be marked printed or sent."))
    if batch.status not in FINISHED:
        raise BatchError(_l("Only a finished batch can be marked printed or sent."))
    if status == "printed" and batch.status == "sent":
        raise BatchError(_l("This batch was already sent."))
    letter_ids = list(batch.letter_ids or ())  # loaded now: no query may run below
    begin_write()
    batch.status = status
    # mark_letters joins this write transaction (the session has a pending change, so its own
    # begin_write keeps it) and commits the batch's status with the letters'.
    mark_letters(letter_ids, status)
    return batch


def reprint_batch(batch: Batch, user: Any = None) -> Batch:
    """A new batch of the same letters (printed or not): the same files, made again.

    Letters deleted since are left out: this is also "rebuild without the deleted letters" for
    a batch whose files were withdrawn.
    """
    if batch.status not in FINISHED and batch.status != "failed":
        raise BatchError(_l("This batch is still being made: wait for it to finish."))
    letter_ids = remaining_letter_ids(batch.letter_ids or ())
    if not letter_ids:
        raise BatchError(_l("Every letter of this batch was deleted: there is nothing to print."))
    key = filter_key(batch.product, batch.paper, {"reprint_of": batch.id})
    return start_once(
        key,
        lambda: Batch(
            product=batch.product,
            paper=batch.paper,
            filters={**(batch.filters or {}), "reprint_of": batch.id},
            filter_key=key,
            status="queued",
            done=0,
            total=len(letter_ids),
            attempts=0,
            letter_ids=letter_ids,
            group_id=batch.group_id,
            created_by_id=getattr(user, "id", None),
        ),
    )
