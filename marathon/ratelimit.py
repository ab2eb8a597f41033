"""Rate limits on the ``limits`` library: Redis when ``REDIS_URL`` is set, else in this process.

``limits`` is the counting engine of Flask-Limiter (same storages, same strategies), used here
without Flask-Limiter's extension: that one keeps a single storage and key prefix per process,
set by the first app, while this app factory builds several apps in one process (tests, the
worker), and our views count conditionally (login *failures*, a letter once it is valid) on two
keys at once. Each app gets its own storage in ``app.extensions``.

Keys are hashed, so neither Redis nor memory keeps addresses, e-mails or session ids in clear.
Windows are fixed and aligned to the clock (the window's index is part of the key). When Redis
fails the count goes on in this process rather than stopping the marathon.

    if not hit("login", address_key(), limit=10, window_seconds=300): ...

    @limited("letters", session_key, 30, 600)
    def write(): ...
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_babel import ngettext
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter

from marathon.web import error_response

F = TypeVar("F", bound=Callable[..., Any])

SESSION_KEY_NAME = "rl_key"
_EXTENSION = "marathon_ratelimit"
# An IPv6 client usually holds a whole /64: counting per address would let it change address
# for free at every request.
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Limit:
    """``limit`` attempts of ``key`` in ``bucket`` per ``window_seconds``.

    ``at`` is the moment of the attempt: counting it and giving it back (:func:`refund`) fall in
    the same window even if the clock crosses into the next one in between.
    """

    bucket: str
    key: str
    limit: int
    window_seconds: int
    at: float = field(default_factory=time.time)

    @property
    def window(self) -> int:
        """The index of the fixed window ``at`` falls in (windows are aligned to the clock)."""
        return _window_index(self.at, self.window_seconds)


class _Limiters:
    """The app's counters: Redis when configured (shared by every process), and memory."""

    def __init__(self, redis_url: str | None, prefix: str) -> None:
        self.memory = FixedWindowRateLimiter(MemoryStorage())
        self.redis = None
        if redis_url:
            storage = RedisStorage(
                redis_url,
                key_prefix=prefix.rstrip(":"),
                socket_timeout=2,
                socket_connect_timeout=2,
            )
            self.redis = FixedWindowRateLimiter(storage)

    def call(self, method: str, *args: Any, **options: Any) -> Any:
        if self.redis is not None:
            try:
                return getattr(self.redis, method)(*args, **options)
            except Exception:  # a Redis outage must not stop the marathon: count in process
                current_app.logger.warning("Rate limiter: Redis unavailable, counting in process")
        return getattr(self.memory, method)(*args, **options)


def _limiters() -> _Limiters:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions.get(_EXTENSION)
    if state is None:
        prefix = app.config["RATELIMIT_PREFIX"]
        state = _Limiters(app.config.get("REDIS_URL"), prefix)
        app.extensions[_EXTENSION] = state
    return state


def _hashed(key: str) -> str:
    # A digest, so neither Redis nor memory keeps client addresses or session ids in clear.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _item(limit: int, window_seconds: int) -> RateLimitItem:
    return RateLimitItemPerSecond(max(1, int(limit)), max(1, int(window_seconds)))


def _window_index(moment: float, window_seconds: int) -> int:
    return int(moment // max(1, int(window_seconds)))


def _identifiers(item: Limit) -> tuple[str, str, str]:
    # The window's index is part of the key: every window starts afresh at a fixed time, and
    # its key expires (after ``window_seconds``) on its own.
    return item.bucket, _hashed(item.key), str(item.window)


def _count(item: Limit, method: str, **options: Any) -> Any:
    rate = _item(item.limit, item.window_seconds)
    return _limiters().call(method, rate, *_identifiers(item), **options)


def hit(bucket: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt of ``key`` in ``bucket``; True while within ``limit`` per window."""
    return _hit(Limit(bucket, key, limit, window_seconds))


def _hit(item: Limit) -> bool:
    return item.limit > 0 and bool(_count(item, "hit"))


def _allows(item: Limit) -> bool:
    return item.limit > 0 and bool(_count(item, "test"))


def wait_for(item: Limit) -> int:
    """Seconds until the window of ``item`` ends (at least 1)."""
    window = max(1, int(item.window_seconds))
    return max(1, math.ceil((item.window + 1) * window - time.time()))


def hit_all(limits: Iterable[Limit]) -> int | None:
    """Count one attempt in each of ``limits``, in order, stopping at the first one exceeded.

    Returns None when every limit allows it, else the seconds to wait.
    """
    for item in limits:
        if not _hit(item):
            return wait_for(item)
    return None


def reserve(limits: list[Limit]) -> int | None:
    """Count one attempt in every one of ``limits``, or in none: the seconds to wait, or None.

    With :func:`refund` once the attempt turns out not to count (a successful login), the
    attempts that do count are exact however many requests run at once.
    """
    wait = first_exceeded(limits)
    if wait is not None:
        return wait
    counted: list[Limit] = []
    for item in limits:
        counted.append(item)
        if not _hit(item):
            refund(counted)
            return wait_for(item)
    return None


def refund(limits: Iterable[Limit]) -> None:
    """Give back one attempt counted by :func:`reserve` in each of ``limits``."""
    for item in limits:
        _count(item, "hit", cost=-1)


def first_exceeded(limits: Iterable[Limit]) -> int | None:
    """The seconds to wait if one of ``limits`` has no attempt left (nothing counted), else None."""
    waits = [wait_for(item) for item in limits if not _allows(item)]
    return max(waits) if waits else None


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


def address_key() -> str:
    """The client's address as a limit counts it: IPv4 whole, IPv6 by its /64 network."""
    raw = client_address()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def wait_message(wait: int) -> str:
    """How long to wait, in words: "2 minutes", "45 seconds"."""
    if wait < 60:
        return ngettext("%(num)s second", "%(num)s seconds", max(1, wait))
    return ngettext("%(num)s minute", "%(num)s minutes", math.ceil(wait / 60))


def too_many_response(wait: int, message: str | None = None) -> Any:
    """A 429 answer (JSON under /api, else a page) saying how long to wait, with Retry-After."""
    if message is None:
        message = _(
            "Too many attempts in a short time. Please wait %(wait)s and try again.",
            wait=wait_message(wait),
        )
    body, status = error_response(429, message)
    response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(max(1, int(wait)))
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
                wait = hit_all([Limit(bucket, key_func(), count, seconds)])
                if wait is not None:
                    return too_many_response(wait)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
