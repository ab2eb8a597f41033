"""Rendering a batch's letters that have no PDF yet: here when few, on every core when many.

A letter that fails is reported with its id and cause (:class:`LetterFailed`, which crosses the
pool's process boundary intact) while the others go on rendering; each PDF is stored as soon as
it is made, so nothing rendered is lost. Then, if any failed, :func:`render_missing` raises
:class:`LettersFailed` naming every one, and the batch fails with that reason: a batch prints
every letter it was asked for, or none (a letter silently left out would never be posted, while
its batch is marked printed and sent). Retrying renders only the letters that failed.

A full disk is no letter's fault and fails every letter after it: rendering stops at the first
(the letters not started are not attempted).
"""

from __future__ import annotations

import errno
import logging
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any

from flask import Flask, current_app

from marathon.extensions import db
from marathon.jobs import build_app
from marathon.letters.jobs import render_letter
from marathon.storage import is_disk_full

log = logging.getLogger(__name__)

POOL_THRESHOLD = 24  # fewer letters to render than this: render them here (no pool start-up)
SHOWN_FAILURES = 10  # letters named in a batch's error (the count says how many in all)


class LetterFailed(RuntimeError):
    """A letter could not be rendered or printed: its id and the cause (never its content).

    Picklable (``args`` are the constructor's), so a pool process hands it back whole.
    """

    def __init__(self, letter_id: int, cause: str, disk_full: bool = False) -> None:
        super().__init__(letter_id, cause, disk_full)
        self.letter_id = letter_id
        self.cause = cause
        self.disk_full = disk_full

    def __str__(self) -> str:
        return f"letter id {self.letter_id}: {self.cause}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.letter_id, self.cause, self.disk_full))


class LettersFailed(RuntimeError):
    """Letters of a batch could not be rendered (the others were, and are kept)."""

    def __init__(self, failures: Sequence[LetterFailed]) -> None:
        super().__init__(list(failures))
        self.failures = list(failures)

    @property
    def disk_full(self) -> bool:
        return any(failure.disk_full for failure in self.failures)

    @property
    def letter_ids(self) -> list[int]:
        return [failure.letter_id for failure in self.failures]

    def __str__(self) -> str:
        shown = "; ".join(str(failure) for failure in self.failures[:SHOWN_FAILURES])
        more = len(self.failures) - SHOWN_FAILURES
        count = len(self.failures)
        text = f"{count} letter{'s' if count != 1 else ''} could not be rendered: {shown}"
        return text + (f"; and {more} more" if more > 0 else "")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.failures,))


def cause_of(error: BaseException) -> str:
    """What went wrong, without personal data: the exception's type, and for a system error its
    code and text ("OSError ENOSPC: No space left on device"); never a path or a message."""
    name = type(error).__name__
    if isinstance(error, OSError) and error.errno is not None:
        code = errno.errorcode.get(error.errno, str(error.errno))
        return f"{name} {code}: {os.strerror(error.errno)}"
    return name


def render_one(letter_id: int) -> int:
    """Render one letter's PDF (stored once); a failure is a ``LetterFailed`` naming its id."""
    try:
        render_letter(letter_id)
    except Exception as exc:
        db.session.rollback()
        cause = cause_of(exc)
        log.warning("letter %s could not be rendered: %s", letter_id, cause)
        raise LetterFailed(letter_id, cause, disk_full=is_disk_full(exc)) from None
    return letter_id


_pool_app: Flask | None = None


def pool_initializer(settings: dict[str, Any] | None, app: Flask | None = None) -> None:
    """A pool process pushes an app context: the parent's app when forked, else a new one."""
    global _pool_app
    if app is not None:
        _pool_app = app
        with app.app_context():
            db.engine.dispose(close=False)  # never share the parent's connections
    else:
        _pool_app = build_app(settings)
    _pool_app.app_context().push()


def _picklable_settings(app: Flask) -> dict[str, Any]:
    settings: dict[str, Any] = {"INSTANCE_PATH": app.instance_path}
    for key, value in app.config.items():
        try:
            pickle.dumps(value)
        except Exception:
            continue
        settings[key] = value
    settings["JOBS_EAGER"] = True  # a pool process never queues anything itself
    return settings


def pool_size() -> int:
    """Processes that render letters: every core (``BATCH_RENDER_PROCESSES`` overrides)."""
    configured = current_app.config.get("BATCH_RENDER_PROCESSES")
    return int(configured) if configured else max(1, os.cpu_count() or 1)


def render_missing(missing: list[int], progress: Callable[[int], Any]) -> None:
    """Render the letters ``missing``, on every core when there are many; ``progress(done)``.

    Every letter is tried (each one that renders is stored), then :class:`LettersFailed` names
    those that failed; a full disk stops at once. Any other error (a pool process killed) is
    raised as it is.
    """
    if not missing:
        return
    failures: list[LetterFailed] = []
    processes = min(pool_size(), len(missing))
    if len(missing) < POOL_THRESHOLD or processes == 1:
        for count, letter_id in enumerate(missing, start=1):
            try:
                render_one(letter_id)
            except LetterFailed as failure:
                failures.append(failure)
                if failure.disk_full:
                    break
            progress(count)
    else:
        _render_in_pool(missing, processes, progress, failures)
    if failures:
        raise LettersFailed(failures)


def _render_in_pool(
    missing: list[int],
    processes: int,
    progress: Callable[[int], Any],
    failures: list[LetterFailed],
) -> None:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    # Forked when this process has one thread (an RQ work horse, the CLI): the children start
    # with everything imported. Spawned otherwise (a web process running in-process jobs):
    # forking a process with threads can deadlock the child.
    if threading.active_count() == 1:
        context, initargs = get_context("fork"), (None, app)
    else:
        context, initargs = get_context("spawn"), (_picklable_settings(app), None)
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=pool_initializer, initargs=initargs
    ) as pool:
        # A few letters ahead of the processes, not all at once: stopping (a full disk, a
        # superseded run) leaves little queued, and the queue stays small for big batches.
        pending = iter(missing)
        running: set[Future[int]] = set()
        done = 0
        stop = False
        try:
            while True:
                while not stop and len(running) < processes * 4:
                    letter_id = next(pending, None)
                    if letter_id is None:
                        break
                    running.add(pool.submit(render_one, letter_id))
                if not running:
                    break
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    error = future.exception()
                    if isinstance(error, LetterFailed):
                        failures.append(error)
                        stop = stop or error.disk_full
                    elif error is not None:
                        raise error
                    done += 1
                    progress(done)
        finally:
            for future in running:
                future.cancel()
