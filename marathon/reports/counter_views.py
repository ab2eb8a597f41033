"""The public counter: read-only JSON totals, the frameable embed page, and its snippet page.

Routes on the reports blueprint (imported at the end of :mod:`marathon.reports.views`).
"""

from __future__ import annotations

import hashlib
import json

from flask import Response, current_app, render_template, request, url_for

from marathon.accounts.access import role_required
from marathon.reports import service
from marathon.reports.views import blueprint, format_number
from marathon.web import edition_arg

PUBLIC_MAX_AGE = 30
EMBED_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
)


@blueprint.route("/reports/counter")
@role_required("coordinator")
def counter_snippet() -> str:
    """The copy-paste snippet that embeds the public counter on another website."""
    edition = edition_arg()
    embed_url = url_for("reports.embed_counter", edition=edition, _external=True)
    api_url = url_for("reports.public_totals", edition=edition, _external=True)
    return render_template(
        "reports/counter.html", edition=edition, embed_url=embed_url, api_url=api_url
    )


# Per process: (database, edition) -> (expiry, body). Anonymous counters on many websites poll
# this; a few seconds of staleness (config PUBLIC_TOTALS_CACHE_SECONDS, 0 = off) keeps its cost
# flat whatever the number of letters, while browsers already cache it for 30 s.
_public_cache: dict[tuple[str, int], tuple[float, str]] = {}


def _public_body(edition: int) -> str:
    import time

    seconds = float(current_app.config["PUBLIC_TOTALS_CACHE_SECONDS"])
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], edition)
    cached = _public_cache.get(key)
    now = time.monotonic()
    if seconds > 0 and cached is not None and cached[0] > now:
        return cached[1]
    body = json.dumps(service.public_totals(edition), ensure_ascii=False, sort_keys=True)
    if seconds > 0:
        _public_cache[key] = (now + seconds, body)
    return body


@blueprint.route("/api/v1/public/totals")
def public_totals() -> Response:
    """Read-only public totals of an edition: cacheable, ETag/304, CORS for embedding."""
    body = _public_body(edition_arg())
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response.make_conditional(request)


@blueprint.route("/embed/counter")
def embed_counter() -> Response:
    """A tiny page to put in an iframe on any website; refreshed every minute by counter.js."""
    edition = edition_arg()
    data = json.loads(_public_body(edition))
    response = Response(
        render_template(
            "reports/embed_counter.html",
            edition=edition,
            total=data["total"],
            fmt=format_number,
            api_url=url_for("reports.public_totals", edition=edition),
        )
    )
    # This page only is meant to be framed by other sites (the CSP's frame-ancestors wins over
    # X-Frame-Options in current browsers; the value below is there for the older ones).
    response.headers["Content-Security-Policy"] = EMBED_POLICY
    response.headers["X-Frame-Options"] = "ALLOWALL"
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response
