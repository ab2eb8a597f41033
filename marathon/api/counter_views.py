"""The public counter's pages: the frameable embed page and the coordinators' snippet page.

The counter's JSON, ``/api/v1/public/totals``, is part of the API (:mod:`marathon.api.views`);
the embed page shows the same figures (:func:`marathon.api.counter.public_totals_body`).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, url_for

from marathon.accounts.access import role_required
from marathon.api.counter import PUBLIC_MAX_AGE, public_totals_body
from marathon.reports.views import format_number
from marathon.web import edition_arg

blueprint = Blueprint("counter", __name__, template_folder="templates")

EMBED_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
)


@blueprint.route("/reports/counter")
@role_required("coordinator")
def snippet() -> str:
    """The copy-paste snippet that embeds the public counter on another website."""
    edition = edition_arg()
    embed_url = url_for("counter.embed", edition=edition, _external=True)
    api_url = url_for("api.public_totals", edition=edition, _external=True)
    return render_template(
        "counter/snippet.html", edition=edition, embed_url=embed_url, api_url=api_url
    )


@blueprint.route("/embed/counter")
def embed() -> Response:
    """A tiny page to put in an iframe on any website; refreshed every minute by counter.js."""
    edition = edition_arg()
    data = json.loads(public_totals_body(edition))
    response = Response(
        render_template(
            "counter/embed.html",
            edition=edition,
            total=data["total"],
            fmt=format_number,
            api_url=url_for("api.public_totals", edition=edition),
        )
    )
    # This page only is meant to be framed by other sites (the CSP's frame-ancestors wins over
    # X-Frame-Options in current browsers; the value below is there for the older ones).
    response.headers["Content-Security-Policy"] = EMBED_POLICY
    response.headers["X-Frame-Options"] = "ALLOWALL"
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response
