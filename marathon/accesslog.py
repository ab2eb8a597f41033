"""Access logs without secrets: private links' tokens, cookies and credentials are blanked.

A letter's private link (``/letters/<token>``), a password reset link and an invitation link
carry their secret in the path, so logging the path would log the secret. Every access log the
project ships goes through :func:`redact`: gunicorn's (``deploy/gunicorn.conf.py`` uses
:class:`AccessLogger`), the development server's (:func:`install_dev_server_filter`), and nginx's
(``deploy/nginx.conf`` does the same with a ``map``). The test ``tests/test_safety_logs.py``
checks that every route taking a ``token`` is covered.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[private]"
# The routes whose path holds a secret: /letters/<token>..., /password/reset/<token>,
# /welcome/<token>. Matched anywhere in a string: a request line, a referer, a Location.
PRIVATE_PATH = re.compile(r"(/letters/|/password/reset/|/welcome/)[^/?#\s\"']+")
# Request and response headers that are credentials whatever their value.
SECRET_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})


def redact(text: str) -> str:
    """``text`` with the token of every private path replaced by ``[private]``."""
    return PRIVATE_PATH.sub(lambda match: match.group(1) + REDACTED, text)


def redact_atoms(atoms: dict[str, Any]) -> dict[str, Any]:
    """Gunicorn's log atoms with tokens, cookies and credentials blanked."""
    return {
        name: "-" if _secret_atom(name) else redact(value) if isinstance(value, str) else value
        for name, value in atoms.items()
    }


def _secret_atom(name: str) -> bool:
    # {cookie}i, {set-cookie}o, {http_cookie}e ...: a header or environ variable never logged.
    if not name.startswith("{") or name[-2:] not in ("}i", "}o", "}e"):
        return False
    key = name[1:-2]
    if name.endswith("}e"):
        key = key.removeprefix("http_").replace("_", "-")
    return key in SECRET_HEADERS


class AccessLogger(Logger):
    """Gunicorn's logger, whose access log never holds a private token, cookie or credential."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        return redact_atoms(super().atoms(resp, req, environ, request_time))


class RedactingFilter(logging.Filter):
    """A logging filter that blanks private tokens in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def install_dev_server_filter() -> None:
    """Blank private tokens in the request lines of Werkzeug's development server (``make run``)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
        logger.addFilter(RedactingFilter())
