"""Batches pages."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("batches", __name__, template_folder="templates")
