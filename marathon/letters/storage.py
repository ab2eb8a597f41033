"""Where letters' PDFs live: STORAGE_DIR/letters/<code>.pdf, written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import current_app

from marathon.letters.models import Letter


def storage_root() -> Path:
    """The shared storage directory (instance/storage by default)."""
    return Path(current_app.config["STORAGE_DIR"])


def letter_pdf_relative_path(letter: Letter) -> str:
    """The PDF's path relative to the storage directory."""
    return f"letters/{letter.code}.pdf"


def stored_pdf(letter: Letter) -> Path | None:
    """The letter's stored PDF, if it exists on disk."""
    if not letter.pdf_path:
        return None
    path = storage_root() / letter.pdf_path
    return path if path.is_file() else None


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path`` then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temp_file:
            temp_file.write(data)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def remove_letter_pdf(letter: Letter) -> None:
    """Delete the letter's stored PDF, if any."""
    path = stored_pdf(letter)
    if path is not None:
        path.unlink(missing_ok=True)
