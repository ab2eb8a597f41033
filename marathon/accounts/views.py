"""Accounts pages."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("accounts", __name__, template_folder="templates")
