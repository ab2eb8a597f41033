"""The few facts about a case that writing a letter needs, read without loading the whole case.

Writing is the hot path of the marathon: a full ``Case`` carries every text in every language
(JSON decoded on each load). A letter only needs the case's id, edition, kinds and languages,
and, when the API leaves the body out, the suggested text. The languages and suggested texts
are cached per process, keyed by the case's ``content_hash``, which changes whenever the loader
(or an admin) changes the case, so a changed case is never served stale. A case without a hash
(made by hand, not by the loader) is not cached.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select

from marathon.cases.models import Case
from marathon.extensions import db


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


# Built once: composing a select per letter costs more than running it.
_cases = Case.__table__
_FACTS = select(
    _cases.c.id, _cases.c.edition, _cases.c.active, _cases.c.kinds, _cases.c.content_hash
).where(
    _cases.c.slug == bindparam("slug"),
    _cases.c.edition == bindparam("edition"),
    _cases.c.active.is_(True),
)


def case_facts(slug: str, edition: int | None = None) -> CaseFacts | None:
    """The active case ``slug`` of ``edition`` (the current one by default), or None."""
    edition = edition or current_app.config["EDITION"]
    row = db.session.connection().execute(_FACTS, {"slug": slug, "edition": edition}).first()
    if row is None:
        return None
    content_hash = row.content_hash or ""
    return CaseFacts(
        id=row.id,
        slug=slug,
        edition=row.edition,
        active=bool(row.active),
        kinds=tuple(row.kinds or ()),
        languages=_languages(_database_key(), row.id, content_hash)
        if content_hash
        else _languages.__wrapped__("", row.id, ""),
        content_hash=content_hash,
    )


def suggested_body(facts: CaseFacts, kind: str, language: str) -> str:
    """The editable text a letter of this kind starts from (what the form pre-fills)."""
    if not facts.content_hash:  # a case made without the loader: nothing to key a cache on
        return _suggested_body.__wrapped__("", facts.id, "", kind, language)
    return _suggested_body(_database_key(), facts.id, facts.content_hash, kind, language)


def _database_key() -> str:
    # Two apps in one process (tests) must not share cached facts.
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@functools.lru_cache(maxsize=512)
def _languages(_database: str, case_id: int, _content_hash: str) -> tuple[str, ...]:
    case = db.session.get(Case, case_id)
    return tuple(case.languages) if case is not None else ()


@functools.lru_cache(maxsize=2048)
def _suggested_body(
    _database: str, case_id: int, _content_hash: str, kind: str, language: str
) -> str:
    from marathon.letters.content import default_body_for

    case = db.session.get(Case, case_id)
    return default_body_for(case, kind, language) if case is not None else ""
