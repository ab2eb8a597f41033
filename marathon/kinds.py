"""The kinds of mail, defined once: who each speaks to, in which voice, on what paper, sent where.

Every other module asks this one. A template never decides whom it addresses: the kind does.

- ``appeal``: a letter to the authority (formal salutation and closing), sent to the case's
  ``appeal_addressee``.
- ``postcard``: an appeal postcard to the authority (formal), sent to ``appeal_addressee``.
- ``card``: a card of solidarity to the person or their family (personal voice), sent to the
  case's ``card_address`` (the address the campaign gives for cards, often the section's).
- ``solidarity_postcard``: a postcard of solidarity to the person (personal), sent to
  ``card_address``.

A case lists the kinds it offers; a case may offer both postcards. The stored value
``postcard`` is the appeal postcard (letters written before solidarity postcards existed spoke to
the authority, so their stored text keeps its meaning).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

AUTHORITY = "authority"
PERSON = "person"
FORMAL = "formal"
PERSONAL = "personal"

# The case fields that give a destination, and the texts fields mailed for each voice.
APPEAL_ADDRESSEE = "appeal_addressee"
CARD_ADDRESS = "card_address"

# What volunteers read and what is never mailed (checked by the tests on every rendered PDF).
VOLUNTEER_TEXT_FIELDS = ("title", "summary", "story", "ask", "card_rules")


_INTRODUCE_YOURSELF = _l("Introduce yourself: who you are and why this case matters to you.")
_OWN_WORDS = _l("A few words of your own to the person: never politics, religion or promises.")


@dataclass(frozen=True)
class Kind:
    """One kind of mail."""

    name: str
    label: str  # lazy: "Appeal letter"
    plural: str  # lazy: "Appeal letters"
    recipient: str  # AUTHORITY or PERSON: who the words speak to
    voice: str  # FORMAL (salutation and closing formula) or PERSONAL (a greeting, a first name)
    paper: str  # "letter" (A4 or US Letter), "card" (A5) or "postcard" (A6)
    destination: str  # the case field holding where it is sent
    mailed_text: str  # the case's suggested text of this kind (texts/<lang>.toml field)
    layout: str  # the shared template in letter_templates/shared/
    body_limit: int  # characters of the editable body
    hint: str = ""  # lazy: what it is, on the page where volunteers choose
    personal_hint: str = ""  # lazy: what the personal sentence is for, in this kind's voice
    page_budget: str = ""  # lazy: how much paper the message may fill ("two pages")

    @property
    def to_authority(self) -> bool:
        """Whether this kind goes to the authority (and may never carry a card's words)."""
        return self.recipient == AUTHORITY

    @property
    def salutation_field(self) -> str:
        """The texts field of the opening line: the formal salutation, or a personal greeting."""
        return "salutation" if self.voice == FORMAL else "greeting"

    @property
    def imposed(self) -> bool:
        """Whether it prints several to a sheet (cards 2-up, postcards 4-up)."""
        return self.paper != "letter"


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            name="appeal",
            label=_l("Appeal letter"),
            plural=_l("Appeal letters"),
            recipient=AUTHORITY,
            voice=FORMAL,
            paper="letter",
            destination=APPEAL_ADDRESSEE,
            mailed_text="appeal_body",
            layout="appeal",
            body_limit=4000,
            hint=_l(
                "A letter to the official who can act, asking for what the case needs. "
                "Printed on A4 or US Letter, ready for a window envelope."
            ),
            personal_hint=_INTRODUCE_YOURSELF,
            page_budget=_l("two pages"),
        ),
        Kind(
            name="postcard",
            label=_l("Appeal postcard"),
            plural=_l("Appeal postcards"),
            recipient=AUTHORITY,
            voice=FORMAL,
            paper="postcard",
            destination=APPEAL_ADDRESSEE,
            mailed_text="postcard_appeal",
            layout="postcard",
            body_limit=600,
            hint=_l(
                "A short appeal to the authority on an A6 postcard, with the case's picture on "
                "the front. Post it with a stamp."
            ),
            personal_hint=_INTRODUCE_YOURSELF,
            page_budget=_l("the back of one postcard"),
        ),
        Kind(
            name="card",
            label=_l("Card of solidarity"),
            plural=_l("Cards of solidarity"),
            recipient=PERSON,
            voice=PERSONAL,
            paper="card",
            destination=CARD_ADDRESS,
            mailed_text="card_message",
            layout="card",
            body_limit=1200,
            hint=_l("A warm message to the person, to show they are not alone."),
            personal_hint=_OWN_WORDS,
            page_budget=_l("one card"),
        ),
        Kind(
            name="solidarity_postcard",
            label=_l("Postcard of solidarity"),
            plural=_l("Postcards of solidarity"),
            recipient=PERSON,
            voice=PERSONAL,
            paper="postcard",
            destination=CARD_ADDRESS,
            mailed_text="card_message",
            layout="postcard",
            body_limit=600,
            hint=_l(
                "An A6 postcard of solidarity to the person, with the case's picture on the front."
            ),
            personal_hint=_OWN_WORDS,
            page_budget=_l("the back of one postcard"),
        ),
    )
}

# The order kinds are offered and listed in.
KIND_NAMES: tuple[str, ...] = tuple(KINDS)
POSTCARD_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS.values() if k.paper == "postcard")


def kind(name: str) -> Kind:
    """The kind called ``name``; ``KeyError`` for anything else."""
    return KINDS[name]


def kind_label(name: str) -> str:
    """The translated label of a kind ("Appeal letter"), the name itself if unknown."""
    known = KINDS.get(name)
    return str(known.label) if known else name


def kind_plural(name: str) -> str:
    """The translated plural label of a kind ("Appeal letters"), the name if unknown."""
    known = KINDS.get(name)
    return str(known.plural) if known else name


def ordered(names: Iterable[str]) -> list[str]:
    """``names`` in the kinds' own order, unknown names dropped."""
    wanted = set(names)
    return [name for name in KIND_NAMES if name in wanted]


def plural_labels() -> dict[str, str]:
    """Every kind's plural label (lazy strings), in the kinds' order: for tallies and forms."""
    return {name: known.plural for name, known in KINDS.items()}


def labels() -> dict[str, str]:
    """Every kind's label (lazy strings), in the kinds' order."""
    return {name: known.label for name, known in KINDS.items()}
