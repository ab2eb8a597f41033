"""What the write journey needs from the rest of the app: the joined event, groups, limits."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import gettext as _

from marathon.groups.service import groups_for_select
from marathon.ratelimit import (
    Limit,
    address_key,
    reserve,
    session_key,
    too_many_response,
    wait_message,
)

# Regions that print on US Letter rather than A4.
LETTER_PAPER_REGIONS = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PR"})
# Letters are limited per 10 minutes (the limits themselves are settings, see config.py).
WRITE_WINDOW_SECONDS = 600


def group_choices() -> list[tuple[int, str]]:
    """Choices of the "your local group" select, "none" first."""

    return [(0, _("None, I write on my own")), *groups_for_select()]


def default_paper() -> str:
    """US Letter where the browser's language names a region that uses it, else A4."""
    for value, _quality in request.accept_languages:
        region = value.replace("_", "-").split("-")[1:2]
        if region:
            return "letter" if region[0].upper() in LETTER_PAPER_REGIONS else "a4"
    return "a4"


def throttle_writing() -> Any:
    """A 429 answer when this writer, or the address they write from, writes too fast; else None.

    The form is limited per browser session (``WRITE_RATE_LIMIT``) *and* per address
    (``WRITE_ADDRESS_RATE_LIMIT``, a ceiling sized for a whole event on one Wi-Fi): a client that
    drops or replays its cookie gets a new session, never a new address, so it cannot write past
    the address's ceiling. The API authenticates nothing and its cookies count for nothing: it is
    limited per address (``API_WRITE_RATE_LIMIT``, sized for a section's website relaying many
    visitors' letters). An IPv6 address counts by its /64 network.
    """
    config = current_app.config
    address = address_key()
    if request.path.startswith("/api/"):
        limits = [
            Limit(
                "write-api",
                address,
                int(config["API_WRITE_RATE_LIMIT"]),
                WRITE_WINDOW_SECONDS,
            )
        ]
    else:
        limits = [
            Limit(
                "write",
                session_key(),
                int(config["WRITE_RATE_LIMIT"]),
                WRITE_WINDOW_SECONDS,
            ),
            Limit(
                "write-address",
                address,
                int(config["WRITE_ADDRESS_RATE_LIMIT"]),
                WRITE_WINDOW_SECONDS,
            ),
        ]
    wait = reserve(limits)
    if wait is None:
        return None
    message = _(
        "You have written many letters in a few minutes. Please wait a moment: you can write "
        "again in %(wait)s.",
        wait=wait_message(wait),
    )
    return too_many_response(wait, message)
