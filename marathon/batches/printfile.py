"""What one run of print files shares: the paper's names, the context (where to write, the
postage table), the kinds' labels, prices, and whether a file prints on both sides.

Used by the writer of the files (:mod:`marathon.batches.assembly`) and by the contents sheet
(:mod:`marathon.batches.contents`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marathon.batches.plan import Envelope, Piece, PrintFile
from marathon.batches.postage import Postage, Rates, RatesError, Weight, load_rates, postage_for
from marathon.clock import today_local
from marathon.kinds import KINDS

log = logging.getLogger(__name__)

PAPER_NAMES = {"a4": _l("A4"), "letter": _l("US Letter")}


@dataclass
class Context:
    """What every file of one run needs: where to write, how to report, the postage table."""

    batch_id: int
    paper: str  # the section's sheet (the batch's paper)
    work: Path
    require_pdf: Callable[[Piece], Path]
    on_piece: Callable[..., None]
    today: date = field(default_factory=lambda: _today())
    rates: Rates | None = None
    rates_problem: str = ""

    def __post_init__(self) -> None:
        try:
            self.rates = load_rates(current_app.config["POSTAGE_RATES_FILE"])
        except RatesError as problem:
            self.rates_problem = str(problem)
            log.warning("batch %s: the postage rates file is not usable", self.batch_id)

    def postage(self, envelope: Envelope, weight: Weight) -> tuple[Postage | None, str]:
        """The postage of ``envelope`` (of each postcard if posted alone), and a note."""
        if self.rates_problem:
            return None, _(
                "The postage table could not be read: %(problem)s", problem=self.rates_problem
            )
        if self.rates is None:
            return None, ""
        item = "postcard" if weight.per_item else "letter"
        found = postage_for(
            self.rates, envelope.destination.country_code, item, weight.grams, self.today
        )
        if found is None:
            return None, _("No rate in the section's postage table for this country and weight.")
        return found, _(
            "Rate in force since %(date)s (%(zone)s, up to %(grams)s g).",
            date=format_date(found.starts),
            zone=found.zone,
            grams=found.up_to,
        )


def _today() -> date:
    return today_local()


def kind_label(kind_name: str, count: int) -> str:
    known = KINDS[kind_name]
    return str(known.label if count == 1 else known.plural)


def money(postage: Postage | None, times: int = 1) -> str:
    if postage is None:
        return ""
    return format_currency(postage.price * times, postage.currency)


def is_two_sided(print_file: PrintFile) -> bool:
    """Letters and postcards print on both sides; cards of one page on one side."""
    if not KINDS[print_file.kind].imposed:
        return True
    return any(
        (piece.pdf_pages or 1) > 1 for envelope in print_file.envelopes for piece in envelope.pieces
    )
