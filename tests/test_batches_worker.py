"""A real RQ worker on real Redis, killed with SIGKILL mid-batch: no half file is ever presented
as done, and after a requeue the batch completes with every letter exactly once, in its files."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from marathon import jobs
from marathon.batches import service
from marathon.batches.models import Batch
from marathon.extensions import db
from tests.batches_support import (
    batch_files,
    codes_in,
    letter_codes,
    make_case,
    make_letters,
    page_texts,
)
from tests.batches_support import start_worker as _worker
from tests.settings import own_queue

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))
LETTERS = 60

pytestmark = [pytest.mark.slow, pytest.mark.settings(own_queue())]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_tree(process: subprocess.Popen) -> None:
    # The work horse runs in its own process group: kill it and its render pool as well.
    for pid in [process.pid, *_descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=10)


def _batch(batch_id: int) -> Batch:
    db.session.rollback()  # a fresh snapshot: the worker writes in another process
    return db.session.get(Batch, batch_id)


def test_killed_worker_leaves_no_done_file_and_the_retry_is_complete(loaded_cases):
    app = loaded_cases
    with app.app_context():
        queue = jobs.rq_queue()
        worker = None
        try:
            case_ids = [
                make_case(f"case-{n}", f"Person {n}", authority=f"Office {n}", card_to="Section")
                for n in range(3)
            ]
            ids = make_letters(LETTERS - 12, case_ids=case_ids)
            ids += make_letters(12, case_ids=case_ids, kind="card")
            batch_id = service.start_batch("letters", {}, "a4").id
            worker = _worker(app)
            deadline = time.monotonic() + 300  # a shared, loaded machine is slow
            while _batch(batch_id).done == 0:
                assert time.monotonic() < deadline, "the worker made no progress"
                assert _batch(batch_id).status in ("queued", "running")
                time.sleep(0.2)
            _kill_tree(worker)
            killed = _batch(batch_id)
            assert killed.status == "running" and 0 < killed.done < killed.total
            assert service.ready_file(killed) is None
            assert not list(Path(app.config["STORAGE_DIR"], "batches").glob("batch-*"))

            # The worker is gone: requeue now rather than after the stale delay.
            assert service.requeue_stale(stale_after=timedelta(0)) == [batch_id]
            worker = _worker(app, "--burst")
            worker.wait(timeout=300)
            done = _batch(batch_id)
            assert done.status == "done", done.error
            assert done.attempts == 2
            files = batch_files(app, done)
            assert [entry["kind"] for entry, _data in files] == ["contents", "appeal", "card"]
            texts = [page_texts(data) for _entry, data in files]
            assert sum(len(pages) for pages in texts) == done.pages
            text = "\n".join("\n".join(pages) for pages in texts)
            codes = letter_codes(ids)
            assert codes_in(text, codes) == sorted(codes)
            for code in codes:
                assert text.count(code) <= 1, code
            # Only the finished attempt's ZIP is left: no temp, no first attempt's files.
            left = sorted(p.name for p in Path(app.config["STORAGE_DIR"], "batches").iterdir())
            assert left == [f"batch-{batch_id}-2.zip"]
        finally:
            if worker is not None and worker.poll() is None:
                _kill_tree(worker)
            queue.empty()
            queue.delete(delete_jobs=True)
