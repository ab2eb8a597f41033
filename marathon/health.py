"""Readiness: can this process reach its database and (when configured) Redis right now?

``/healthz`` answers 200 ``{"status": "ok"}`` when both answer, and 503 naming what is down
otherwise, so a load balancer stops sending visitors to a process that would fail them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from redis import Redis
from sqlalchemy import text

from marathon.extensions import db

blueprint = Blueprint("health", __name__)

# A readiness check answers quickly or says "down": it never waits as long as a request would.
REDIS_TIMEOUT_SECONDS = 1
_REDIS_CLIENT = "marathon_health_redis"


def database_ready() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # any failure to reach it: the answer is "not ready"
        db.session.rollback()
        current_app.logger.warning(
            "Readiness: the database is unavailable (%s)", type(error).__name__
        )
        return False
    return True


def redis_ready() -> bool | None:
    """True when Redis answers PING, False when it does not, None when none is configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        _redis_client(url).ping()
    except Exception as error:
        current_app.logger.warning("Readiness: Redis is unavailable (%s)", type(error).__name__)
        return False
    return True


def _redis_client(url: str) -> Any:
    cached = current_app.extensions.get(_REDIS_CLIENT)
    if cached is None or cached[0] != url:
        client = Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        cached = (url, client)
        current_app.extensions[_REDIS_CLIENT] = cached
    return cached[1]


def readiness() -> tuple[dict[str, str], bool]:
    """``({"database": "ok"|"unavailable", "redis": ...}, all ready)``; Redis only if configured."""
    checks = {"database": database_ready(), "redis": redis_ready()}
    states = {
        name: "ok" if ready else "unavailable"
        for name, ready in checks.items()
        if ready is not None
    }
    return states, all(state == "ok" for state in states.values())


@blueprint.route("/healthz")
def healthz() -> Any:
    """Readiness for load balancers: 200 when the database and Redis answer, else 503."""
    states, ready = readiness()
    if ready:
        return jsonify({"status": "ok"})
    response = jsonify(
        {
            "status": "unavailable",
            "checks": states,
            "message": _("This server cannot reach its database or Redis right now."),
        }
    )
    response.status_code = 503
    response.headers["Retry-After"] = "10"
    response.headers["Cache-Control"] = "no-store"
    return response
