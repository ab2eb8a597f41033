"""The storage folder, one home: where letters' PDFs, batches' files and uploaded photos live.

Everything the app keeps on disk is under ``STORAGE_DIR`` (``instance/storage`` by default):

- ``letters/<code>.pdf``: a letter's PDF (:mod:`marathon.letters.storage`);
- ``batches/<id>-<token>.zip``: a print batch's file (:mod:`marathon.batches`);
- ``case-photos/<edition>/<slug>.<jpg|png>``: a case photo uploaded by an admin, which takes
  precedence over the one in the case's folder.

Files are written whole or not at all (:func:`write_atomically`). The render pool's processes
have no application; they find the folder from the environment the pool was started with.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from flask import current_app, has_app_context

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LETTERS_DIR = "letters"
BATCHES_DIR = "batches"
PHOTOS_DIR = "case-photos"
# The suffixes an uploaded photo is stored under (it is re-encoded to one of them).
PHOTO_SUFFIXES = (".jpg", ".png")
# A full disk, or a full quota: the write can succeed later; nothing was kept half-written.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def storage_root() -> Path:
    """The storage folder: the app's ``STORAGE_DIR``, or outside an app (a render process) the
    environment's ``MARATHON_STORAGE_DIR``, else ``storage`` in the instance folder."""
    if has_app_context():
        return Path(current_app.config["STORAGE_DIR"])
    instance = os.environ.get("MARATHON_INSTANCE_PATH") or PROJECT_ROOT / "instance"
    return Path(os.environ.get("MARATHON_STORAGE_DIR") or Path(instance) / "storage")


def letters_dir() -> Path:
    """The folder of letters' PDFs."""
    return storage_root() / LETTERS_DIR


def batches_dir() -> Path:
    """The folder of print batches' files."""
    return storage_root() / BATCHES_DIR


def photos_dir() -> Path:
    """The folder of case photos uploaded by an admin."""
    return storage_root() / PHOTOS_DIR


def stored_path(relative: str) -> Path:
    """The absolute path of a file recorded relative to the storage folder."""
    return storage_root() / relative


def photo_base(edition: int, slug: str) -> Path | None:
    """Where the uploaded photo of case ``edition``/``slug`` lives, without its suffix; None for
    a slug that could escape the folder (slugs are validated by the catalogue, checked again)."""
    if not slug or "/" in slug or "\\" in slug or slug.startswith("."):
        return None
    return photos_dir() / str(int(edition)) / slug


def uploaded_photo_path(edition: int | None, slug: str | None) -> Path | None:
    """The photo uploaded for case ``edition``/``slug``, if there is one on disk."""
    if edition is None or not slug:
        return None
    base = photo_base(edition, slug)
    if base is None:
        return None
    for suffix in PHOTO_SUFFIXES:
        path = base.with_name(base.name + suffix)
        if path.is_file():
            return path
    return None


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


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` says the storage is full (a retry later can succeed)."""
    return isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS
