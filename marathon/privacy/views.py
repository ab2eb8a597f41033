"""The privacy page (what is kept, for how long) and deleting one's own letter."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from marathon.editions import current_edition
from marathon.letters.service import letter_by_token
from marathon.privacy.service import erase_letter, retention_deadline

blueprint = Blueprint("privacy", __name__, template_folder="templates")


def purge_date(edition: int | None = None) -> datetime:
    """When the personal data of ``edition``'s letters (default: the current one) is erased."""
    config = current_app.config
    return retention_deadline(int(edition or current_edition()), int(config["RETENTION_DAYS"]))


@blueprint.route("/privacy")
def page() -> str:
    """What is kept, why, for how long, who sees it and how to delete one's letter."""
    config = current_app.config
    return render_template(
        "privacy/privacy.html",
        retention_days=int(config["RETENTION_DAYS"]),
        purge_date_text=format_date(purge_date(), format="long"),
    )


@blueprint.route("/letters/<token>/delete", methods=["POST"])
def delete_letter(token: str) -> Response:
    """Erase the letter's personal data and PDF (it stays counted as written)."""
    letter = letter_by_token(token)
    if letter is None:
        abort(404)
    erase_letter(letter.id)
    flash(_("Your letter was deleted: your name, town and text are gone."), "success")
    return redirect(url_for("letters.private", token=token))
