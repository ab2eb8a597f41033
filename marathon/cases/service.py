"""State changes and queries of the case catalogue (stub, filled in by the cases work)."""

from __future__ import annotations


def load_cases(cases_dir: str | None = None) -> str:
    """Validate the case folders and upsert them into the database."""
    return "0 cases"
