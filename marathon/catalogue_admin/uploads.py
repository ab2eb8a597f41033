"""Case photos uploaded by an admin: checked by content, re-encoded without metadata, stored.

An upload lives in ``STORAGE_DIR/case-photos/<edition>/<slug>.<jpg|png>`` and takes precedence
over the photo of the case folder (``marathon.cases.service.photo_path`` asks
:func:`marathon.storage.uploaded_photo_path` first). Reloading the catalogue never deletes it;
removing it brings the folder's photo back.

Checks: size (``MAX_PHOTO_BYTES``, 5 MB by default), type by magic bytes (JPEG, PNG, WebP; SVG is
refused: it may carry scripts), the image decodes fully with Pillow, and its pixel dimensions are
sane. The image is then re-encoded (JPEG, or PNG when it has transparency): EXIF, GPS and any
other metadata are dropped, and the bytes served are ours, not the uploader's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageFile, ImageOps

from marathon.storage import PHOTO_SUFFIXES, photo_base, write_atomically

MIN_SIDE = 100
MAX_SIDE = 8000
MAX_PIXELS = 40_000_000
_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
_STRICT_DECODING = threading.Lock()


class PhotoError(ValueError):
    """An upload refused, with a message saying what to send instead."""


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo that passed every check, re-encoded: the bytes to store and their suffix."""

    data: bytes
    suffix: str
    width: int
    height: int

    @property
    def digest(self) -> str:
        """SHA-256 of the stored bytes (to bust caches)."""
        return hashlib.sha256(self.data).hexdigest()


def max_photo_bytes() -> int:
    """The largest upload accepted, in bytes."""
    return int(current_app.config["MAX_PHOTO_BYTES"])


def sniff_format(data: bytes) -> str | None:
    """ "JPEG", "PNG" or "WEBP" from the file's first bytes (its name and type are not trusted)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip().lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def check_photo(data: bytes) -> CheckedPhoto:
    """Check an uploaded picture and re-encode it; raises :class:`PhotoError` with the reason."""
    limit = max_photo_bytes()
    if not data:
        raise PhotoError(_("The file is empty. Please choose a JPEG, PNG or WebP picture."))
    if len(data) > limit:
        raise PhotoError(
            _(
                "The picture is %(size)s MB; please send one smaller than %(limit)s MB.",
                size=round(len(data) / 1024 / 1024, 1),
                limit=round(limit / 1024 / 1024, 1),
            )
        )
    kind = sniff_format(data)
    if kind is None:
        if _looks_like_svg(data):
            raise PhotoError(
                _("SVG pictures cannot be uploaded (they may hold scripts). Send a JPEG or PNG.")
            )
        raise PhotoError(_("This file is not a JPEG, PNG or WebP picture."))
    try:
        with strict_decoding(), Image.open(io.BytesIO(data), formats=[kind]) as image:
            width, height = image.size
            _check_dimensions(width, height)
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
            image = ImageOps.exif_transpose(image)  # keep the orientation, drop the EXIF
            return _reencode(image)
    except PhotoError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        current_app.logger.info("Case photo refused: %s", type(error).__name__)
        raise PhotoError(
            _("This %(type)s picture is damaged or cannot be read.", type=_FORMATS[kind])
        ) from error


@contextlib.contextmanager
def strict_decoding() -> Iterator[None]:
    """Pillow refuses truncated images inside this block, whatever the process set globally.

    Importing WeasyPrint sets ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the whole process
    (it would rather print half a picture than fail), and Pillow reads that global while it
    decodes: a truncated upload would then load as a half-grey picture. The setting is forced
    off for the check and put back afterwards; a lock keeps two uploads from restoring each
    other's value.
    """
    with _STRICT_DECODING:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _check_dimensions(width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE:
        raise PhotoError(
            _(
                "The picture is %(width)s×%(height)s pixels; please send one at least "
                "%(min)s pixels wide and high.",
                width=width,
                height=height,
                min=MIN_SIDE,
            )
        )
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise PhotoError(
            _(
                "The picture is %(width)s×%(height)s pixels; please send one at most "
                "%(max)s pixels on its longest side.",
                width=width,
                height=height,
                max=MAX_SIDE,
            )
        )


def _reencode(image: object) -> CheckedPhoto:
    assert isinstance(image, Image.Image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    out = io.BytesIO()
    if has_alpha:
        clean = image.convert("RGBA")
        clean.save(out, format="PNG", optimize=True)
        suffix = ".png"
    else:
        clean = image.convert("RGB")
        clean.save(out, format="JPEG", quality=88, optimize=True)
        suffix = ".jpg"
    return CheckedPhoto(data=out.getvalue(), suffix=suffix, width=clean.width, height=clean.height)


def _base(edition: int, slug: str) -> Path:
    base = photo_base(edition, slug)
    if base is None:
        raise PhotoError(_("This case cannot have an uploaded photo."))
    return base


def store_photo(edition: int, slug: str, photo: CheckedPhoto) -> Path:
    """Write the checked photo atomically, replacing any earlier upload of the case."""
    base = _base(edition, slug)
    target = base.with_name(base.name + photo.suffix)
    write_atomically(target, photo.data)
    for suffix in PHOTO_SUFFIXES:
        if suffix != photo.suffix:
            base.with_name(base.name + suffix).unlink(missing_ok=True)
    return target


def remove_photo(edition: int, slug: str) -> bool:
    """Delete the case's uploaded photo; True if there was one."""
    base = _base(edition, slug)
    removed = False
    for suffix in PHOTO_SUFFIXES:
        path = base.with_name(base.name + suffix)
        if path.is_file():
            path.unlink()
            removed = True
    return removed
