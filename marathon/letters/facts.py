"""The few facts about a case that writing a letter needs, read without loading the whole case.

Writing is the hot path of the marathon: a full ``Case`` carries every text in every language
(JSON decoded on each load). A letter only needs the case's id, edition, kinds and languages,
and, when the API leaves the body out, the suggested text. The languages and suggested texts
are cached per process, keyed by the case's ``content_hash``, which changes whenever the loader
(or an admin) changes the case, so a changed case is never served stale. A case without a hash
(made by hand, not by the loader) is not cached.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import bindparam, select

from marathon.cases.models import Case
from marathon.editions import current_edition
from marathon.extensions import db
from marathon.letters.content import default_body_for
from marathon.prepared import PreparedStatement, RawConnection

T = TypeVar("T")


@dataclass(frozen=True)
class CaseFacts:
    """What validating and counting a letter needs of its case (quacks like ``Case`` for it)."""

    id: int
    slug: str
    edition: int
    active: bool
    kinds: tuple[str, ...]
    languages: tuple[str, ...]
    content_hash: str


def _facts_select(_dialect: str) -> Any:
    cases = Case.__table__
    return select(
        cases.c.id, cases.c.edition, cases.c.active, cases.c.kinds, cases.c.content_hash
    ).where(
        cases.c.slug == bindparam("slug"),
        cases.c.edition == bindparam("edition"),
        cases.c.active.is_(True),
    )


_FACTS = PreparedStatement(_facts_select)


def case_facts(
    slug: str, edition: int | None = None, *, on: RawConnection | None = None
) -> CaseFacts | None:
    """The active case ``slug`` of ``edition`` (the current one by default), or None.

    ``on``: the caller's :func:`marathon.prepared.raw_connection`, if it has one.
    """
    edition = edition or current_edition()
    cursor = _FACTS.execute({"slug": slug, "edition": edition}, on=on)
    row = cursor.fetchone()
    cursor.close()
    if row is None:
        return None
    case_id, case_edition, active, kinds, content_hash = row
    if isinstance(kinds, str):  # SQLite hands JSON back as text
        kinds = json.loads(kinds)
    content_hash = content_hash or ""
    return CaseFacts(
        id=case_id,
        slug=slug,
        edition=case_edition,
        active=bool(active),
        kinds=tuple(kinds or ()),
        languages=_remembered(
            _cache_key(case_id, content_hash, "languages"), lambda: _languages(case_id)
        ),
        content_hash=content_hash,
    )


def suggested_body(facts: CaseFacts, kind: str, language: str) -> str:
    """The editable text a letter of this kind starts from (what the form pre-fills)."""
    return _remembered(
        _cache_key(facts.id, facts.content_hash, kind, language),
        lambda: _render_suggestion(facts.id, kind, language),
    )


def cached_suggestion(facts: CaseFacts, kind: str, language: str) -> str | None:
    """The suggested text if this process has it already, else None (never renders)."""
    key = _cache_key(facts.id, facts.content_hash, kind, language)
    return _cache.get(key) if key else None


# (database, case id, content hash, what) -> languages or a suggested text.
_cache: dict[tuple[str, ...], Any] = {}
_MAX_CACHED = 2048


def _cache_key(case_id: int, content_hash: str, *what: str) -> tuple[str, ...] | None:
    # A case made without the loader has no hash: nothing to key a cache on.
    if not content_hash:
        return None
    # Two apps in one process (tests) must not share cached facts.
    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return (database, str(case_id), content_hash, *what)


def _remembered(key: tuple[str, ...] | None, compute: Callable[[], T]) -> T:
    if key is None:
        return compute()
    value = _cache.get(key)
    if value is None:
        value = compute()
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[key] = value
    return value


def _languages(case_id: int) -> tuple[str, ...]:
    case = db.session.get(Case, case_id)
    return tuple(case.languages) if case is not None else ()


def _render_suggestion(case_id: int, kind: str, language: str) -> str:

    case = db.session.get(Case, case_id)
    return default_body_for(case, kind, language) if case is not None else ""
