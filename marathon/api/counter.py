"""The public counter's figures: an edition's totals as the JSON body anonymous counters poll.

Served by ``/api/v1/public/totals`` (:mod:`marathon.api.views`) and shown by the frameable
``/embed/counter`` page (:mod:`marathon.api.counter_views`): both read the same body.
"""

from __future__ import annotations

import time

from flask import current_app

from marathon.api.schemas import Totals
from marathon.reports import service

# Browsers and proxies may keep the answer this many seconds (Cache-Control: public, max-age).
PUBLIC_MAX_AGE = 30

# Per process: (database, edition) -> (expiry, body). Anonymous counters on many websites poll
# this; a few seconds of staleness (config PUBLIC_TOTALS_CACHE_SECONDS, 0 = off) keeps its cost
# flat whatever the number of letters, while browsers already cache it for PUBLIC_MAX_AGE.
_public_cache: dict[tuple[str, int], tuple[float, str]] = {}


def public_totals_body(edition: int) -> str:
    """The JSON text of ``edition``'s public totals (the :class:`Totals` model), cached briefly."""
    seconds = float(current_app.config["PUBLIC_TOTALS_CACHE_SECONDS"])
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], edition)
    cached = _public_cache.get(key)
    now = time.monotonic()
    if seconds > 0 and cached is not None and cached[0] > now:
        return cached[1]
    body = Totals.model_validate(service.public_totals(edition)).model_dump_json()
    if seconds > 0:
        _public_cache[key] = (now + seconds, body)
    return body
