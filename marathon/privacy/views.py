"""The privacy page, in the interface's language, with the current edition's purge date."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, render_template
from flask_babel import format_date

from marathon.letters.privacy import retention_deadline

blueprint = Blueprint("privacy", __name__, template_folder="templates")


def purge_date(edition: int | None = None) -> datetime:
    """When the personal data of ``edition``'s letters (default: the current one) is erased."""
    config = current_app.config
    return retention_deadline(int(edition or config["EDITION"]), int(config["RETENTION_DAYS"]))


@blueprint.route("/privacy")
def page() -> str:
    """What is kept, why, for how long, who sees it and how to delete one's letter."""
    config = current_app.config
    return render_template(
        "privacy/privacy.html",
        retention_days=int(config["RETENTION_DAYS"]),
        purge_date_text=format_date(purge_date(), format="long"),
    )
