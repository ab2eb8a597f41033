"""What the write journey needs from the rest of the app: the joined event, groups, limits."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _

# Regions that print on US Letter rather than A4.
LETTER_PAPER_REGIONS = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PR"})
WRITE_LIMIT = 30
WRITE_WINDOW_SECONDS = 600
API_WRITE_LIMIT = 600  # per address and window, for API clients without a session cookie


def current_event_or_none() -> Any:
    """The open event the visitor joined, or None."""
    from marathon.events.service import current_event

    return current_event()


def group_choices() -> list[tuple[int, str]]:
    """Choices of the "your local group" select, "none" first."""
    from marathon.events.service import groups_for_select

    return [(0, _("None, I write on my own")), *groups_for_select()]


def default_paper() -> str:
    """US Letter where the browser's language names a region that uses it, else A4."""
    for value, _quality in request.accept_languages:
        region = value.replace("_", "-").split("-")[1:2]
        if region:
            return "letter" if region[0].upper() in LETTER_PAPER_REGIONS else "a4"
    return "a4"


def throttle_writing() -> Any:
    """A 429 answer when this writer writes too fast, else None.

    Limited per browser session, not per address: a whole event shares one Wi-Fi address. An
    API client that keeps no cookie has no session to count, so it is limited per address,
    with a ceiling meant for a section's website relaying many visitors' letters.
    """
    from marathon.ratelimit import client_address, hit, session_key

    config = current_app.config
    cookieless_api = request.path.startswith("/api/") and not request.cookies
    if cookieless_api:
        bucket, key = "write-api", client_address()
        limit = int(config.get("API_WRITE_RATE_LIMIT", API_WRITE_LIMIT))
    else:
        bucket, key = "write", session_key()
        limit = int(config.get("WRITE_RATE_LIMIT", WRITE_LIMIT))
    if hit(bucket, key, limit=limit, window_seconds=WRITE_WINDOW_SECONDS):
        return None
    message = _("You have written many letters in a few minutes. Please wait a moment.")
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": 429, "message": message}}), 429
    return render_template("error.html", status=429, message=message), 429
