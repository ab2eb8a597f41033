"""Events pages."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("events", __name__, template_folder="templates")
