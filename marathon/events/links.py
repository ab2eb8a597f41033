"""The addresses an event hands out: its join page, the one its QR code and posters point to."""

from __future__ import annotations

from flask import current_app, url_for

from marathon.events.models import Event


def join_url(event: Event | None = None) -> str:
    """The address a QR code points at (or, without an event, the page to type a code)."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return f"{base.rstrip('/')}/join" + (f"/{event.join_code}" if event else "")
    if event is None:
        return url_for("events.join", _external=True)
    return url_for("events.join_code", code=event.join_code, _external=True)
