"""The only door WeasyPrint has to the outside: the app's own assets, nothing else.

Letters carry text typed by volunteers and pictures chosen by the section. WeasyPrint would happily
fetch ``file:///etc/passwd`` or ``http://169.254.169.254/`` if a document asked for it, so every
``HTML()`` and ``CSS()`` in this package gets a :class:`SafeURLFetcher`, which serves files from a
short allow-list of directories and refuses everything else by raising.

Assets are addressed as ``marathon-asset://<root>/<relative path>`` (``root`` is one of the names
in :func:`asset_roots`), or as ``file:`` URLs whose real path (symlinks and ``..`` resolved) lies
inside one of those directories.
"""

from __future__ import annotations

import mimetypes
import os
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, has_app_context
from weasyprint.urls import URLFetcher, URLFetcherResponse

from marathon.config import PROJECT_ROOT
from marathon.render.paths import FONTS_DIR, templates_dir
from marathon.storage import photos_dir

ASSET_SCHEME = "marathon-asset"
DEFAULT_CASES_DIR = PROJECT_ROOT / "cases"

# Fonts are 0.5-1 MB, pictures a few MB at most: anything bigger is not one of ours.
MAX_ASSET_BYTES = 20 * 1024 * 1024


class RefusedURL(ValueError):
    """WeasyPrint asked for something outside the allow-list."""


def cases_dir() -> Path:
    """The configured ``CASES_DIR`` (the app's when there is one, else the environment's)."""
    if has_app_context():
        return Path(current_app.config["CASES_DIR"])
    return Path(os.environ.get("MARATHON_CASES_DIR") or DEFAULT_CASES_DIR)


def asset_roots() -> dict[str, Path]:
    """The directories WeasyPrint may read, by the name used in ``marathon-asset://`` URLs.

    Fonts, the shared stylesheets, the case folders (their pictures) and the pictures uploaded by
    an admin (which take precedence over the case folder's). Nothing else.
    """
    return {
        "fonts": FONTS_DIR,
        "shared": templates_dir() / "shared",
        "cases": cases_dir(),
        "uploads": photos_dir(),
    }


def asset_url(root: str, relative: str) -> str:
    """The ``marathon-asset://`` URL of ``relative`` inside the allowed directory ``root``."""
    return f"{ASSET_SCHEME}://{root}/{relative.lstrip('/')}"


def path_url(path: str | os.PathLike[str], roots: Mapping[str, Path] | None = None) -> str | None:
    """The asset URL of a file inside one of the roots, or None when it is outside all of them."""
    real = Path(os.path.realpath(path))
    for name, root in (roots or asset_roots()).items():
        root_real = Path(os.path.realpath(root))
        if real.is_relative_to(root_real):
            return asset_url(name, real.relative_to(root_real).as_posix())
    return None


class SafeURLFetcher(URLFetcher):
    """A URL fetcher that serves only files inside the allow-listed directories.

    ``fetched`` lists the URLs served, ``refused`` the ``(url, reason)`` pairs refused; both keep
    the last ``log_size`` entries so a long-lived fetcher never grows without bound.
    """

    def __init__(self, roots: Mapping[str, Path] | None = None, *, log_size: int = 200) -> None:
        # No network handlers are ever reached: fetch() below never calls the parent's.
        super().__init__(timeout=1, allow_redirects=False, fail_on_errors=False)
        source = roots if roots is not None else asset_roots()
        self.roots: dict[str, Path] = {
            name: Path(os.path.realpath(path)) for name, path in source.items()
        }
        self.fetched: deque[str] = deque(maxlen=log_size)
        self.refused: deque[tuple[str, str]] = deque(maxlen=log_size)

    def resolve(self, url: str) -> Path:
        """The real path an allowed URL names; raise :class:`RefusedURL` for anything else."""
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise RefusedURL(f"malformed URL: {url!r}") from error
        scheme = parts.scheme.lower()
        if scheme == ASSET_SCHEME:
            root = self.roots.get(parts.netloc)
            if root is None:
                raise RefusedURL(f"unknown asset root {parts.netloc!r}")
            candidate = root / unquote(parts.path).lstrip("/")
        elif scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise RefusedURL("file: URL on another host")
            candidate = Path(unquote(parts.path))
        else:
            raise RefusedURL(f"scheme {scheme or '(none)'!r} is not allowed")
        if "\x00" in str(candidate):
            raise RefusedURL("NUL byte in path")
        real = Path(os.path.realpath(candidate))
        if not any(real.is_relative_to(root) for root in self.roots.values()):
            raise RefusedURL("outside the allowed directories")
        if not real.is_file():
            raise RefusedURL("no such asset")
        if real.stat().st_size > MAX_ASSET_BYTES:
            raise RefusedURL("asset too large")
        return real

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Serve an allowed asset, or raise (WeasyPrint then skips the resource with a warning)."""
        try:
            path = self.resolve(url)
        except RefusedURL as error:
            self.refused.append((url, str(error)))
            raise
        self.fetched.append(url)
        mime_type, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            path.as_uri(),
            body=path.read_bytes(),
            headers={"Content-Type": mime_type or "application/octet-stream"},
        )
