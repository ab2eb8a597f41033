"""What a letter template is rendered from: plain values only, never model objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Addressee:
    """Where a letter goes: lines of a postal address, in order (title and name first)."""

    title: str = ""
    name: str = ""
    address_lines: tuple[str, ...] = ()
    country: str = ""
    email: str = ""
    is_sample: bool = False


@dataclass(frozen=True)
class LetterContent:
    """Everything a letter, card or postcard shows.

    ``body`` and ``personal_sentence`` are the volunteer's plain text: the templates escape them
    and turn blank-line-separated blocks into paragraphs.
    """

    kind: str  # a name in marathon.kinds.KINDS: it fixes the recipient, voice and paper
    language: str
    paper: str  # a4 or letter (postcards are always A6)
    code: str
    written_on: date
    case_slug: str
    case_edition: int
    person: str
    country_name: str
    sender_name: str
    sender_town: str = ""
    sender_country: str = ""
    personal_sentence: str = ""
    body: str = ""
    salutation: str = ""  # the opening line chosen by the kind's voice ("" = template default)
    addressee: Addressee = field(default_factory=Addressee)
    photo_path: str | None = None  # absolute path of the case's picture (postcard front)
    photo_alt: str = ""
    photo_credit: str = ""  # printed small on the postcard's front
    cards_to: str = ""  # where cards go (one line, printed small on the card), if the case says
    window: str = "left"  # which side the envelope's window is on (appeal letters): left or right
