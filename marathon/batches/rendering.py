"""Rendering a batch's letters that have no PDF yet: here when few, on every core when many."""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from flask import Flask, current_app

from marathon.extensions import db

POOL_THRESHOLD = 24  # fewer letters to render than this: render them here (no pool start-up)


class LetterFailed(RuntimeError):
    """A letter could not be rendered; carries its id (never its content)."""

    def __init__(self, letter_id: int, cause: str) -> None:
        super().__init__(f"letter {letter_id}: {cause}")
        self.letter_id = letter_id


def render_one(letter_id: int) -> int:
    """Render one letter's PDF (stored once); a failure is a ``LetterFailed`` naming its id."""
    from marathon.letters.jobs import render_letter

    try:
        render_letter(letter_id)
    except Exception as exc:
        db.session.rollback()
        raise LetterFailed(letter_id, type(exc).__name__) from None
    return letter_id


_pool_app: Flask | None = None


def _pool_init(settings: dict[str, Any] | None, app: Flask | None = None) -> None:
    """A pool process pushes an app context: the parent's app when forked, else a new one."""
    global _pool_app
    if app is not None:
        _pool_app = app
        with app.app_context():
            db.engine.dispose(close=False)  # never share the parent's connections
    else:
        from marathon import create_app

        _pool_app = create_app(settings)
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
    """Render the letters ``missing``, on every core when there are many; ``progress(done)``."""
    if not missing:
        return
    processes = min(pool_size(), len(missing))
    if len(missing) < POOL_THRESHOLD or processes == 1:
        for count, letter_id in enumerate(missing, start=1):
            render_one(letter_id)
            progress(count)
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    # Forked when this process has one thread (an RQ work horse, the CLI): the children start
    # with everything imported. Spawned otherwise (a web process running in-process jobs):
    # forking a process with threads can deadlock the child.
    if threading.active_count() == 1:
        context, initargs = get_context("fork"), (None, app)
    else:
        context, initargs = get_context("spawn"), (_picklable_settings(app), None)
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=_pool_init, initargs=initargs
    ) as pool:
        chunksize = max(1, min(16, len(missing) // (processes * 4)))
        for count, _letter_id in enumerate(
            pool.map(render_one, missing, chunksize=chunksize), start=1
        ):
            progress(count)
