"""Case pages."""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("cases", __name__, template_folder="templates")


@blueprint.route("/")
def index() -> str:
    """The cases of the current edition."""
    return render_template("base.html")
