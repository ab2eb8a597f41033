"""Site-wide pieces: language switch, error pages, security headers, template context."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from marathon.accesslog import install_dev_server_filter
from marathon.editions import current_edition, parse_edition
from marathon.extensions import db
from marathon.json_input import SafeJSONProvider
from marathon.storage import is_disk_full

blueprint = Blueprint("web", __name__)

ERROR_MESSAGES = {
    400: _l("The request could not be understood. Please check what you entered and try again."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist. It may have been moved, or the address may be mistyped."),
    405: _l("This action is not allowed here."),
    413: _l("What you sent is too large. Please send something smaller."),
    415: _l(
        "This page takes a web form, not JSON. Please use the form on the page, "
        "or the JSON API under /api/v1/."
    ),
    422: _l("Some of what you entered is not valid. Please correct it and try again."),
    429: _l("Too many attempts in a short time. Please wait a moment and try again."),
    500: _l(
        "Something went wrong on our side. Nothing you entered was counted twice; please try again."
    ),
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)


CONTROL_IN_TARGET_MESSAGE = _l(
    "The address to go back to holds invisible control characters. Please open the page again "
    "from the site's own links."
)
# What a browser strips around a URL before reading it (WHATWG URL parsing); it also drops tabs
# and newlines anywhere and reads "\\" as "/" (controls are refused before, backslashes replaced).
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def safe_redirect_target(target: str | None) -> str | None:
    """``target`` as a path on this site, or None when it would lead anywhere else.

    Checked after the normalisation a browser applies, so ``/\\evil.example`` (read as
    ``//evil.example``) is refused. A control character (``/%09/evil.example``: a tab, which a
    browser would drop) is a 400: no link of ours holds one, and a newline cannot go into a
    ``Location`` header.
    """
    if not target:
        return None
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in target):
        abort(400, description=str(CONTROL_IN_TARGET_MESSAGE))
    normalised = target.strip(_C0_AND_SPACE).replace("\\", "/")
    if not normalised.startswith("/") or normalised.startswith("//"):
        return None
    parts = urlsplit(normalised)
    if parts.scheme or parts.netloc:
        return None
    return normalised


@blueprint.route("/language/<code>", methods=["POST", "GET"])
def switch_language(code: str) -> Response:
    """Remember the visitor's interface language, then go back where they were."""
    target = safe_redirect_target(request.args.get("next") or request.form.get("next"))
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    return redirect(target or url_for("cases.index"))


def edition_arg() -> int:
    """The edition (a year) asked for with ``?edition=``, else the current one.

    The one reading of ``?edition=`` on every page (the API's query schemas use the same
    :func:`marathon.editions.parse_edition`): a value that is not an edition's year is refused
    with a 400 that says what to write.
    """
    raw = request.args.get("edition", "")
    if not raw:
        return current_edition()
    try:
        return parse_edition(raw)
    except ValueError as error:
        abort(400, description=str(error))


def wants_json() -> bool:
    """API clients get JSON errors; people get pages."""
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _forget_unread_body() -> None:
    # An error page builds forms (the logout form of the navigation). A body that could not be
    # read (too large, malformed) would be read again there and fail inside the error handler:
    # what was not parsed counts as empty. (Werkzeug caches both in the request's __dict__.)
    for name in ("form", "files"):
        request.__dict__.setdefault(name, ImmutableMultiDict())
    if request.is_json:
        request._parsed_content_type = ("application/octet-stream", {})  # type: ignore[attr-defined]


def error_response(status: int, message: str | None = None) -> tuple[Any, int]:
    """An error as JSON or as a page, with a message that says what to do."""
    text = message or str(ERROR_MESSAGES.get(status, ERROR_MESSAGES[500]))
    if wants_json():
        return jsonify({"error": {"status": status, "message": text}}), status
    if status >= 400:
        _forget_unread_body()
    return render_template("error.html", status=status, message=text), status


def _handle_http_error(error: HTTPException) -> tuple[Any, int]:
    status = error.code or 500
    description = getattr(error, "marathon_message", None)
    if description is None and error.description != type(error).description:
        # abort(403, description=_("...")): our own, translated message; Werkzeug's are English.
        description = str(error.description)
    return error_response(status, description)


def _handle_csrf_error(_error: CSRFError) -> tuple[Any, int]:
    return error_response(
        400,
        str(
            _l(
                "This form has expired or was sent from another page. "
                "Please reload the page and send it again; nothing was saved."
            )
        ),
    )


def _handle_data_error(error: Exception) -> tuple[Any, int]:
    # A safety net: a value that reached the database unchecked (NUL, an oversized integer or
    # text). The request is refused as bad input and the missing check is logged for developers.

    db.session.rollback()
    current_app.logger.warning(
        "Unchecked input reached the database on %s %s: %s",
        request.method,
        _route(),
        type(error).__name__,
    )
    return error_response(400, str(DATA_ERROR_MESSAGE))


def _handle_unexpected(error: Exception) -> tuple[Any, int]:
    current_app.logger.exception("Unhandled error on %s %s", request.method, _route())

    db.session.rollback()
    return error_response(500)


# A full disk (or quota): the server cannot store anything now, and nothing half-written was kept
# (files are written under temp names and renamed when whole). 503 with a time to retry.
STORAGE_FULL_RETRY_SECONDS = 300
STORAGE_FULL_MESSAGE = _l(
    "The server's storage is full, so this cannot be done right now. Nothing was lost. "
    "Please try again in a few minutes."
)


def _handle_os_error(error: OSError) -> Any:
    if not is_disk_full(error):
        if current_app.config.get("PROPAGATE_UNEXPECTED"):
            raise error
        return _handle_unexpected(error)

    db.session.rollback()
    current_app.logger.error("Storage full on %s %s", request.method, _route())
    response = make_response(error_response(503, str(STORAGE_FULL_MESSAGE)))
    response.headers["Retry-After"] = str(STORAGE_FULL_RETRY_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


NUL_MESSAGE = _l(
    "What you sent contains an invisible NUL character, which is never part of a text. "
    "Please type it again without it."
)
DATA_ERROR_MESSAGE = _l(
    "A value you sent cannot be stored (too long, out of range or with characters that are "
    "not text). Please check what you entered; nothing was saved."
)


def _holds_nul() -> bool:
    """True when the path, the query string or a form field holds a NUL character.

    No one types NUL, and PostgreSQL refuses it in text: refused here, once for every route.
    """
    if "\x00" in request.path or _any_nul(request.args):
        return True
    return (
        request.method in WRITE_METHODS
        and request.mimetype in FORM_TYPES
        and _any_nul(request.form)
    )


def _any_nul(values: Any) -> bool:
    return any("\x00" in value for items in values.listvalues() for value in items)


def _route() -> str:
    """The matched rule (``/letters/<token>``), never the path: paths may hold private tokens."""
    return request.url_rule.rule if request.url_rule else "(no route)"


def _check_body() -> tuple[Any, int] | None:
    """Refuse an oversized body (413) before anything reads it, and JSON sent to pages (415).

    A view that reads no body would otherwise never notice ``MAX_CONTENT_LENGTH``. Only ``/api/``
    takes JSON: Flask-WTF reads a JSON body as form data, and fails on anything but an object,
    even while the error page builds its logout form; pinning the request's content type keeps
    every form off it.
    """
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        _forget_unread_body()
        return error_response(413)
    if _holds_nul():
        return error_response(400, str(NUL_MESSAGE))
    if request.method not in WRITE_METHODS or request.path.startswith("/api/"):
        return None
    if not request.is_json:
        return None
    return error_response(415)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "frame-ancestors *" not in response.headers["Content-Security-Policy"]:
        # Pages meant to be embedded anywhere (the public counter) say so in their own CSP.
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def _template_context() -> dict[str, Any]:
    locale = get_locale()
    return {
        "current_locale": str(locale) if locale else current_app.config["DEFAULT_LOCALE"],
        "interface_languages": current_app.config["LANGUAGES"],
        "edition": current_edition(),
    }


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:...>`` within the database's INTEGER range: a larger id is "not found", not a 500.

    (PostgreSQL's integer is 32-bit; SQLite cannot bind a Python int beyond 64 bits.)
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_web(app: Flask) -> None:
    """Register the site-wide blueprint, error handlers and response headers."""
    # Before any blueprint adds its rules, so that every <int:...> argument is bounded.
    app.url_map.converters["int"] = DatabaseIntegerConverter
    app.json = SafeJSONProvider(app)
    install_dev_server_filter()
    app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    # First of all before-request hooks: before CSRFProtect reads the body.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_body)

    app.register_error_handler(DataError, _handle_data_error)
    app.register_error_handler(OverflowError, _handle_data_error)
    app.register_error_handler(OSError, _handle_os_error)
    if not app.config.get("PROPAGATE_UNEXPECTED"):
        app.register_error_handler(Exception, _handle_unexpected)
    app.after_request(_security_headers)
    app.context_processor(_template_context)
