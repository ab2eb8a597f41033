"""A small fixed-window rate limiter: Redis when configured, else an in-process counter.

Login is limited per client address; writing letters is limited per session (:func:`session_key`),
because a whole event shares one Wi-Fi address. Keys are hashed, so Redis never holds addresses.

    if not hit("login", request.remote_addr or "-", limit=10, window_seconds=300): ...

    @limited("letters", session_key, 30, 600)
    def write(): ...
"""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request, session
from flask_babel import gettext as _

F = TypeVar("F", bound=Callable[..., Any])

REDIS_PREFIX = "marathon:rl:"
SESSION_KEY_NAME = "rl_key"
_EXTENSION = "marathon_ratelimit"
_MEMORY_PRUNE_AT = 10_000


class _MemoryBackend:
    """Counters in this process, guarded by a lock (the embedded single-process mode)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (bucket, key) -> (window index, count, time the window ends)
        self._counts: dict[tuple[str, str], tuple[int, int, float]] = {}

    def incr(self, bucket: str, key: str, window_index: int, window_seconds: int) -> int:
        with self._lock:
            if len(self._counts) > _MEMORY_PRUNE_AT:
                now = time.time()
                self._counts = {s: v for s, v in self._counts.items() if v[2] > now}
            slot = (bucket, key)
            index, count, ends = self._counts.get(slot, (window_index, 0, 0.0))
            if index != window_index:
                count = 0
            ends = (window_index + 1) * window_seconds
            self._counts[slot] = (window_index, count + 1, ends)
            return count + 1


class _RedisBackend:
    """Counters in Redis, shared by every web process: INCR, then EXPIRE at the window's end."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def incr(self, bucket: str, key: str, window_index: int, window_seconds: int) -> int:
        name = f"{self.prefix}{bucket}:{window_seconds}:{window_index}:{key}"
        # One round trip, no MULTI/EXEC: the window is in the key, so INCR and EXPIRE need not
        # be atomic (a lost EXPIRE leaves one small key behind, never a wrong count).
        pipe = self._client.pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, window_seconds + 1)
        count, _ = pipe.execute()
        return int(count)


def _backends() -> dict[str, Any]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions.get(_EXTENSION)
    if state is None:
        state = {"memory": _MemoryBackend(), "redis": None}
        url = app.config.get("REDIS_URL")
        if url:
            prefix = app.config.get("RATELIMIT_PREFIX") or REDIS_PREFIX
            state["redis"] = _RedisBackend(url, prefix)
        app.extensions[_EXTENSION] = state
    return state


def _hashed(key: str) -> str:
    # A digest, so neither Redis nor memory keeps client addresses or session ids in clear.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def hit(bucket: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt of ``key`` in ``bucket``; True while within ``limit`` per window."""
    if limit <= 0:
        return False
    window_seconds = max(1, int(window_seconds))
    window_index = int(time.time() // window_seconds)
    state = _backends()
    hashed = _hashed(key)
    if state["redis"] is not None:
        try:
            count = state["redis"].incr(bucket, hashed, window_index, window_seconds)
        except Exception:  # a Redis outage must not stop the marathon: count in this process
            current_app.logger.warning("Rate limiter: Redis unavailable, counting in process")
            count = state["memory"].incr(bucket, hashed, window_index, window_seconds)
    else:
        count = state["memory"].incr(bucket, hashed, window_index, window_seconds)
    return count <= limit


def retry_after(window_seconds: int) -> int:
    """Seconds until the current fixed window ends."""
    window_seconds = max(1, int(window_seconds))
    return max(1, math.ceil(window_seconds - (time.time() % window_seconds)))


def parse_limit(value: Any, default: tuple[int, int]) -> tuple[int, int]:
    """Read a limit setting: ``"10/300"`` (10 per 300 seconds), ``(10, 300)`` or None."""
    if value in (None, ""):
        return default
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return int(value[0]), int(value[1])
    count, _, seconds = str(value).partition("/")
    try:
        return int(count), int(seconds or default[1])
    except ValueError:
        return default


def config_limit(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """The limit configured as ``app.config[name]``, else ``default``."""
    return parse_limit(current_app.config.get(name), default)


def session_key() -> str:
    """A stable random id for this browser session, kept in the (signed) session cookie."""
    key = session.get(SESSION_KEY_NAME)
    if not isinstance(key, str) or not key:
        key = secrets.token_urlsafe(16)
        session[SESSION_KEY_NAME] = key
    return key


def client_address() -> str:
    """The client's address as the WSGI server (or ProxyFix) reports it."""
    return request.remote_addr or "unknown"


def too_many_response(window_seconds: int) -> Any:
    """A 429 answer (JSON under /api, else a page) saying how long to wait."""
    from marathon.web import error_response

    wait = retry_after(window_seconds)
    minutes = max(1, math.ceil(wait / 60))
    message = _(
        "Too many attempts in a short time. Please wait %(minutes)s minute(s) and try again.",
        minutes=minutes,
    )
    body, status = error_response(429, message)
    response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(wait)
    return response


def limited(
    bucket: str,
    key_func: Callable[[], str],
    limit: int | Callable[[], int],
    window: int | Callable[[], int],
    *,
    methods: tuple[str, ...] | None = None,
) -> Callable[[F], F]:
    """Decorate a view: beyond ``limit`` requests per ``window`` seconds and key, answer 429.

    ``limit`` and ``window`` may be callables (read from the config at request time); ``methods``
    limits only those HTTP methods (e.g. ``("POST",)``).
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if methods is None or request.method in methods:
                count = limit() if callable(limit) else limit
                seconds = window() if callable(window) else window
                if not hit(bucket, key_func(), limit=count, window_seconds=seconds):
                    return too_many_response(seconds)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
