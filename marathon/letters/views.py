"""The write journey."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("letters", __name__, template_folder="templates")
