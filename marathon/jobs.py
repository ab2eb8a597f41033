"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, else a thread in this process.

Jobs take ids only and reload what they need; the database is the source of truth.
(Minimal version; the batches work makes it complete.)
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from flask import Flask, current_app


def _resolve(task: str) -> Any:
    module_name, _, attribute = task.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def enqueue(task: str, *ids: int, job_id: str | None = None, timeout: int = 600) -> None:
    """Run ``task`` (a dotted path to a function taking ids) in the background."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    function = _resolve(task)
    if app.config.get("JOBS_EAGER"):
        function(*ids)
        return

    def _run() -> None:
        with app.app_context():
            function(*ids)

    threading.Thread(target=_run, name=job_id or task, daemon=True).start()
