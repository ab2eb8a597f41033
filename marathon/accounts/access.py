"""Who may see what: the one place that decides. Deny by default.

Every coordinator or admin view is wrapped in :func:`role_required` (or :func:`admin_required`);
views about one group's objects then call :func:`require_group` with the object's group before
doing anything else. Section admins pass every check. The decorator records each protected view so
that ``tests/test_access_matrix.py`` can walk every route and prove that nothing is left open.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, flash, jsonify, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from marathon.accounts.models import ROLES
from marathon.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

# "module:qualname" of each protected view function -> the roles it admits (admins always pass).
PROTECTED_ENDPOINTS: dict[str, tuple[str, ...]] = {}

FORBIDDEN_MESSAGE = _l("Your account does not give access to this page.")
OTHER_GROUP_MESSAGE = _l("This belongs to another group: your account can only manage your own.")
LOGIN_NEEDED_MESSAGE = _l("Please log in to see this page.")


def role_required(*roles: str) -> Callable[[F], F]:
    """Admit only logged-in, active users having one of ``roles`` (admins always pass).

    Anonymous visitors are sent to the login page (JSON 401 under ``/api``); a logged-in user
    with another role gets 403.
    """
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"role_required needs roles among {ROLES}, got {roles!r}")
    admitted = tuple(dict.fromkeys((*roles, "admin")))

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return unauthorized()
            if current_user.role not in admitted:
                abort(403, description=str(FORBIDDEN_MESSAGE))
            return view(*args, **kwargs)

        wrapper.required_roles = admitted  # type: ignore[attr-defined]
        PROTECTED_ENDPOINTS[f"{view.__module__}:{view.__qualname__}"] = admitted
        return wrapper  # type: ignore[return-value]

    return decorate


def admin_required(view: F) -> F:
    """Admit section admins only."""
    return role_required("admin")(view)


def endpoint_roles(app: Flask, endpoint: str) -> tuple[str, ...] | None:
    """The roles an endpoint admits, or None when it is not protected by :func:`role_required`."""
    view = app.view_functions.get(endpoint)
    return getattr(view, "required_roles", None) if view is not None else None


def protected_endpoints(app: Flask) -> dict[str, tuple[str, ...]]:
    """Every protected endpoint of ``app`` with the roles it admits."""
    found: dict[str, tuple[str, ...]] = {}
    for endpoint in app.view_functions:
        roles = endpoint_roles(app, endpoint)
        if roles is not None:
            found[endpoint] = roles
    return found


def can_manage_group(user: Any, group_id: int | None) -> bool:
    """True when ``user`` may see and change the group ``group_id``'s events, counts and batches."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == "admin":
        return True
    return user.role == "coordinator" and group_id is not None and user.group_id == group_id


def require_group(group_id: int | None) -> None:
    """Stop the request unless the current user may manage ``group_id`` (admins pass).

    Call it before validating or changing anything, so that another group's coordinator learns
    nothing from error messages.
    """
    if not current_user.is_authenticated:
        abort(make_response(unauthorized()))
    if not can_manage_group(current_user, group_id):
        abort(403, description=str(OTHER_GROUP_MESSAGE))


ModelT = TypeVar("ModelT")


def group_object_or_404(model: type[ModelT], object_id: int) -> ModelT:
    """The row of ``model`` with ``object_id`` if the user may manage its group.

    404 when it does not exist, 403 when it belongs to another group (see require_group).
    """

    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    require_group(found.group_id)  # type: ignore[attr-defined]
    return found


def visible_group_ids(user: Any) -> list[int] | None:
    """The groups whose data ``user`` may see: None means all (admins), [] means none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.role == "admin":
        return None
    if user.role == "coordinator" and user.group_id is not None:
        return [user.group_id]
    return []


def unauthorized() -> Any:
    """The answer to an anonymous visitor: JSON 401 for the API, else the login page."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify({"error": {"status": 401, "message": str(LOGIN_NEEDED_MESSAGE)}})
        response.status_code = 401
        return response
    target = request.full_path if request.method == "GET" else request.path
    target = target.rstrip("?")
    flash(str(LOGIN_NEEDED_MESSAGE), "info")
    return redirect(url_for("accounts.login", next=target))
