"""The case catalogue: cases of an edition, their texts per language and their outcomes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marathon.clock import utcnow
from marathon.extensions import db

OUTCOME_KINDS = (
    "released",
    "conditional_release",
    "acquitted",
    "charges_dropped",
    "sentence_reduced",
    "death_sentence_commuted",
    "investigation_opened",
    "conditions_improved",
    "law_changed",
    "no_change",
    "worsened",
)
POSITIVE_OUTCOME_KINDS = frozenset(OUTCOME_KINDS) - {"no_change", "worsened"}
# The one name of each outcome kind: the case page, the outcome editor and the good-news page.
OUTCOME_LABELS = {
    "released": _l("Released"),
    "conditional_release": _l("Conditionally released"),
    "acquitted": _l("Acquitted"),
    "charges_dropped": _l("Charges dropped"),
    "sentence_reduced": _l("Sentence reduced"),
    "death_sentence_commuted": _l("Death sentence commuted"),
    "investigation_opened": _l("Investigation opened"),
    "conditions_improved": _l("Conditions improved"),
    "law_changed": _l("Law changed"),
    "no_change": _l("No change"),
    "worsened": _l("Situation worsened"),
}


class Case(db.Model):
    """One person or group of people the edition writes for."""

    __tablename__ = "case"
    __table_args__ = (UniqueConstraint("edition", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[int] = mapped_column(Integer, index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    person: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    photo: Mapped[str | None] = mapped_column(String(200))  # file name inside the case folder
    photo_credit: Mapped[str | None] = mapped_column(String(300))
    photo_alt: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Per language: title, summary, story, ask, card_rules, appeal_body, card_message.
    texts: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict)
    appeal_addressee: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    appeal_salutation: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    card_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sample_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(500))
    source_dir: Mapped[str | None] = mapped_column(String(500))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="case", order_by="Outcome.date", cascade="all, delete-orphan"
    )

    @property
    def languages(self) -> list[str]:
        """The languages the case has texts in, in the order the case file gives them."""
        return list(self.texts)

    def text(self, language: str) -> tuple[str, dict[str, Any]]:
        """The case's texts in ``language``, or in its first language as a visible fallback."""
        if language in self.texts:
            return language, self.texts[language]
        fallback = next(iter(self.texts))
        return fallback, self.texts[fallback]

    @property
    def latest_outcome(self) -> Outcome | None:
        """The most recent outcome, if any."""
        return self.outcomes[-1] if self.outcomes else None


class Outcome(db.Model):
    """A dated event in a case's timeline: a release, charges dropped, no change, ..."""

    __tablename__ = "outcome"
    __table_args__ = (UniqueConstraint("case_id", "date", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    notes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    source_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="outcomes")

    @property
    def positive(self) -> bool:
        """Whether the outcome counts as positive in the published statistics."""
        return self.kind in POSITIVE_OUTCOME_KINDS
