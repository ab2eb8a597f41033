"""What an envelope weighs, and what it costs to post when the section has a rates table.

Weights are estimates, printed on the cover sheets so the person at the post office knows which
step to ask for. The assumptions, stated once:

- Appeal letters: 80 g/m² office paper, printed double-sided (a letter of 3 pages is 2 sheets).
  A4 sheet 210 × 297 mm = 4.99 g, US Letter sheet 8.5 × 11 in = 4.83 g.
- Cards of solidarity: A5 (210 × 148 mm) on 250 g/m² card = 7.77 g each (a card printed on US
  Letter is scaled down a little: the A5 weight is kept, a slight overestimate).
- Postcards: A6 (148 × 105 mm) on 300 g/m² card = 4.66 g each.
- Envelopes (80–90 g/m² paper): DL 110 × 220 mm and US No. 10 5 g; C6 114 × 162 mm and US A6
  (4¾ × 6½ in) 4 g; C5 162 × 229 mm and 6 × 9 in 9 g; C4 229 × 324 mm and 9 × 12 in 20 g.
  Letters: up to 5 sheets folded in three (DL / No. 10), up to 10 folded once (C5 / 6 × 9 in),
  more flat (C4 / 9 × 12 in). Cards: up to 10 in C5 / 6 × 9 in, more in C4 / 9 × 12 in.
  Postcards of solidarity: up to 10 in C6 / US A6, up to 25 in C5 / 6 × 9 in, more in C4.
- Appeal postcards are not put in an envelope: each is posted on its own, with its own stamp.

Postage comes only from the section's own table (``POSTAGE_RATES_FILE``, TOML, format in
docs/postage.md): the app ships no prices. Without the file, covers show the weight and count.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from marathon.kinds import kind as kind_of

# Grams per square metre, by the kind's paper ("letter" = an appeal letter's sheet).
GSM = {"letter": 80, "card": 250, "postcard": 300}
# Areas in square metres.
AREA = {
    "a4": 0.210 * 0.297,
    "letter": 0.2159 * 0.2794,
    "card": 0.210 * 0.148,  # A5
    "postcard": 0.148 * 0.105,  # A6
}


@dataclass(frozen=True)
class EnvelopeSize:
    """An envelope: its name and what it weighs empty."""

    name: Any  # lazy text: "No. 10" reads differently in other languages
    grams: float


DL = EnvelopeSize(_l("DL (110 × 220 mm)"), 5)
C6 = EnvelopeSize(_l("C6 (114 × 162 mm)"), 4)
C5 = EnvelopeSize(_l("C5 (162 × 229 mm)"), 9)
C4 = EnvelopeSize(_l("C4 (229 × 324 mm)"), 20)
US_10 = EnvelopeSize(_l("No. 10 (4⅛ × 9½ in)"), 5)
US_A6 = EnvelopeSize(_l("A6 (4¾ × 6½ in)"), 4)
US_6X9 = EnvelopeSize(_l("6 × 9 in"), 9)
US_9X12 = EnvelopeSize(_l("9 × 12 in"), 20)

# Per kind's paper and the section's paper: (up to this many sheets or pieces, envelope).
ENVELOPES: dict[tuple[str, str], tuple[tuple[float, EnvelopeSize], ...]] = {
    ("letter", "a4"): ((5, DL), (10, C5), (math.inf, C4)),
    ("letter", "letter"): ((5, US_10), (10, US_6X9), (math.inf, US_9X12)),
    ("card", "a4"): ((10, C5), (math.inf, C4)),
    ("card", "letter"): ((10, US_6X9), (math.inf, US_9X12)),
    ("postcard", "a4"): ((10, C6), (25, C5), (math.inf, C4)),
    ("postcard", "letter"): ((10, US_A6), (25, US_6X9), (math.inf, US_9X12)),
}


def sheets_of(kind_name: str, pages: int) -> int:
    """Sheets of one piece: a letter printed double-sided; a card or postcard is one piece."""
    if kind_of(kind_name).paper == "letter":
        return max(1, math.ceil(pages / 2))
    return 1


def piece_grams(kind_name: str, paper: str, sheets: int = 1) -> float:
    """The weight of one piece (``paper``: the letter's own a4/letter, for appeal letters)."""
    kind_paper = kind_of(kind_name).paper
    area = AREA[paper if kind_paper == "letter" else kind_paper]
    return area * GSM[kind_paper] * sheets


def mailed_alone(kind_name: str) -> bool:
    """Appeal postcards are posted one by one with a stamp; everything else in an envelope."""
    known = kind_of(kind_name)
    return known.paper == "postcard" and known.to_authority


def envelope_for(kind_name: str, section_paper: str, pieces: int, sheets: int) -> EnvelopeSize:
    """The envelope that holds ``pieces`` (``sheets`` sheets of paper for letters)."""
    kind_paper = kind_of(kind_name).paper
    amount = sheets if kind_paper == "letter" else pieces
    for limit, envelope in ENVELOPES[(kind_paper, section_paper)]:
        if amount <= limit:
            return envelope
    raise AssertionError("the last envelope takes any amount")  # pragma: no cover


@dataclass(frozen=True)
class Weight:
    """The estimated weight of what is posted: one envelope, or one postcard posted alone."""

    grams: int  # rounded up
    envelope: EnvelopeSize | None  # None: a postcard posted on its own
    per_item: bool  # True: the weight (and postage) of each postcard


def estimate(
    kind_name: str, section_paper: str, papers_and_sheets: list[tuple[str, int]]
) -> Weight:
    """The weight of one envelope of ``kind_name`` holding pieces of (paper, sheets)."""
    if mailed_alone(kind_name):
        return Weight(math.ceil(piece_grams(kind_name, section_paper)), None, True)
    total_sheets = sum(sheets for _paper, sheets in papers_and_sheets)
    envelope = envelope_for(kind_name, section_paper, len(papers_and_sheets), total_sheets)
    grams = envelope.grams + sum(
        piece_grams(kind_name, paper, sheets) for paper, sheets in papers_and_sheets
    )
    return Weight(math.ceil(grams), envelope, False)


# --- the section's rates ------------------------------------------------------------------------

ITEMS = ("letter", "postcard")


class RatesError(ValueError):
    """The rates file cannot be used; the message says where and why (no personal data in it)."""


@dataclass(frozen=True)
class Rate:
    """One row of the table: from a date, for some countries, one kind of item, by weight."""

    starts: date
    countries: frozenset[str]  # ISO codes; "*" for every country not named elsewhere
    zone: str
    item: str
    steps: tuple[tuple[int, Decimal], ...]  # (up to grams, price), lightest first


@dataclass(frozen=True)
class Rates:
    """The section's postage table."""

    currency: str
    rates: tuple[Rate, ...]
    source: str
    named: frozenset[str] = frozenset()  # countries a zone or a rate names (not "*")


@dataclass(frozen=True)
class Postage:
    """The price of one item at a weight, and where it came from."""

    price: Decimal
    currency: str
    starts: date
    zone: str
    up_to: int


def _fail(source: str, message: str) -> RatesError:
    return RatesError(f"{source}: {message}")


def _countries(value: Any, source: str, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(source, f'{where}: give a list of country codes ("FR", "DE"...) or ["*"]')
    return frozenset(code.strip().upper() for code in value)


def _steps(value: Any, source: str, where: str) -> tuple[tuple[int, Decimal], ...]:
    if not isinstance(value, list) or not value:
        raise _fail(source, f"{where}: steps must list {{ up_to = grams, price = amount }}")
    steps = []
    for step in value:
        if not isinstance(step, dict) or set(step) != {"up_to", "price"}:
            raise _fail(source, f"{where}: each step is {{ up_to = grams, price = amount }}")
        try:
            up_to = int(step["up_to"])
            price = Decimal(str(step["price"]))
        except (TypeError, ValueError, InvalidOperation):
            raise _fail(source, f"{where}: up_to is a number of grams, price an amount") from None
        if up_to <= 0 or price < 0 or isinstance(step["up_to"], bool):
            raise _fail(source, f"{where}: up_to and price must be positive")
        steps.append((up_to, price))
    steps.sort()
    return tuple(steps)


def parse_rates(data: dict[str, Any], source: str = "rates") -> Rates:
    """A :class:`Rates` from the TOML's data; :class:`RatesError` if anything is off."""
    currency = data.get("currency")
    if not isinstance(currency, str) or len(currency.strip()) != 3:
        raise _fail(source, 'currency: give the ISO code of the currency, e.g. currency = "EUR"')
    zones_raw = data.get("zones", {})
    if not isinstance(zones_raw, dict):
        raise _fail(source, "[zones]: each zone is a name = a list of country codes")
    zones = {name: _countries(codes, source, f"zone {name}") for name, codes in zones_raw.items()}
    rows = data.get("rates")
    if not isinstance(rows, list) or not rows:
        raise _fail(source, "no [[rates]] entries")
    rates = []
    for number, row in enumerate(rows, start=1):
        where = f"rates entry {number}"
        if not isinstance(row, dict):
            raise _fail(source, f"{where}: not a table")
        starts = row.get("from")
        if not isinstance(starts, date):
            raise _fail(source, f"{where}: from must be a date, e.g. from = 2025-01-01")
        item = row.get("item", "letter")
        if item not in ITEMS:
            raise _fail(source, f'{where}: item is "letter" or "postcard"')
        if ("zone" in row) == ("countries" in row):
            raise _fail(source, f"{where}: give either zone or countries")
        if "zone" in row:
            zone = str(row["zone"])
            if zone not in zones:
                raise _fail(source, f"{where}: zone {zone!r} is not listed in [zones]")
            countries = zones[zone]
        else:
            countries = _countries(row["countries"], source, where)
            zone = ", ".join(sorted(countries))
        rates.append(Rate(starts, countries, zone, item, _steps(row.get("steps"), source, where)))
    named = frozenset().union(*zones.values(), *(rate.countries for rate in rates)) - {"*"}
    return Rates(currency.strip().upper(), tuple(rates), source, named)


def load_rates(path: str | Path | None) -> Rates | None:
    """The rates file at ``path``; None when there is none (then no price is ever shown)."""
    if not path:
        return None
    file = Path(path)
    if not file.is_file():
        return None
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _fail(file.name, f"cannot be read ({exc})") from None
    return parse_rates(data, file.name)


def postage_for(
    rates: Rates | None, country: str, item: str, grams: int, on: date
) -> Postage | None:
    """The price in force ``on`` that day for an ``item`` of ``grams`` to ``country``.

    The rates naming the country (itself or in a zone) apply to it; the catch-all "*" applies
    to the countries no zone or rate names. Among those, the latest ``from`` not after ``on``.
    A postcard without a postcard rate pays the letter rate. None when there is no table, no
    rate for the country yet, or the weight is beyond the last step.
    """
    country = (country or "").upper()
    if rates is None or not country:
        return None  # no table, or no address to post to: no price
    elsewhere = country not in rates.named
    for wanted in (item, "letter") if item != "letter" else ("letter",):
        in_force = [rate for rate in rates.rates if rate.item == wanted and rate.starts <= on]
        if not elsewhere:
            pool = [rate for rate in in_force if country in rate.countries]
        else:
            pool = [rate for rate in in_force if "*" in rate.countries]
        if not pool:
            continue
        rate = max(pool, key=lambda candidate: candidate.starts)
        for up_to, price in rate.steps:
            if grams <= up_to:
                return Postage(price, rates.currency, rate.starts, rate.zone, up_to)
        return None  # heavier than the heaviest step: ask at the counter
    return None
