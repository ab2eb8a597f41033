"""A finished batch's files: listed from ``Batch.files``, each read from the batch's ZIP.

A file is served only whole: the ZIP at its recorded size (:func:`service.ready_file`), the file
in it stored uncompressed at its own recorded size.
"""

from __future__ import annotations

import zipfile
from typing import Any

from marathon.batches.models import Batch
from marathon.batches.service import ready_file


def batch_files(batch: Batch) -> list[dict[str, Any]]:
    """The files of a finished batch (``Batch.files``), each with its ``index``."""
    return [{**entry, "index": index} for index, entry in enumerate(batch.files or ())]


def open_file(batch: Batch, index: int) -> tuple[Any, dict[str, Any]] | None:
    """File ``index`` of the batch, opened for reading, and its entry; None unless whole.

    The batch's ZIP must be whole (its recorded size) and the file in it must be stored
    uncompressed at its recorded size. The caller closes the returned file.
    """

    path = ready_file(batch)
    files = batch.files or []
    if path is None or not 0 <= index < len(files):
        return None
    entry = files[index]
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        try:
            info = archive.getinfo(entry["name"])
        except KeyError:
            return None
        if info.file_size != entry.get("size") or info.compress_type != zipfile.ZIP_STORED:
            return None
        # The member keeps the archive's file open after the archive object is closed.
        return archive.open(info), entry


def is_zip(batch: Batch) -> bool:
    """Whether the batch's file is the ZIP of its files (batches made before are one PDF)."""
    return bool(batch.file_path and batch.file_path.endswith(".zip"))
