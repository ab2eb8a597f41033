"""The contents sheet of a batch: its files (what, paper, pages, how to print) and envelopes.

Rendered with the covers (see :func:`marathon.batches.assembly.render_sheets`).
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from marathon.batches.imposition import PER_SHEET, PIECE_SIZES, SHEET_SIZES, layout_for
from marathon.batches.pdfstream import Source, check_size
from marathon.batches.plan import Envelope, PrintFile
from marathon.batches.printfile import PAPER_NAMES, Context, is_two_sided, kind_label, money
from marathon.kinds import KINDS


def _how_to_print(print_file: PrintFile, two_sided: bool) -> str:
    known = KINDS[print_file.kind]
    if not known.imposed:
        return _("Double-sided (long edge), plain paper 80 g/m².")
    per_sheet = PER_SHEET[known.paper]
    width, height = PIECE_SIZES[known.paper]
    scale = layout_for(print_file.paper, width, height, per_sheet).scale
    if two_sided:
        text = _(
            "Double-sided (long edge) on card %(gsm)s g/m²; cut along the crop marks "
            "(%(n)s per sheet).",
            gsm=300 if known.paper == "postcard" else 250,
            n=per_sheet,
        )
    else:
        text = _(
            "Single-sided on card %(gsm)s g/m²; cut along the crop marks (%(n)s per sheet).",
            gsm=300 if known.paper == "postcard" else 250,
            n=per_sheet,
        )
    if scale < 0.995:
        text += " " + _("Scaled to %(percent)s %% to fit the sheet.", percent=round(scale * 100))
    return text


def _numbers(envelopes: list[Envelope]) -> str:
    if not envelopes:
        return ""
    first, last = envelopes[0].number, envelopes[-1].number
    return str(first) if first == last else f"{first}–{last}"


def contents_arguments(context: Context, files: list[PrintFile]) -> dict[str, Any]:
    """What the contents sheet says (:func:`render_contents`' arguments), each file's pages
    left to fill in (``files[i]["pages"]``): the files are not written yet."""
    rows = []
    for print_file in files:
        rows.append(
            {
                "name": print_file.name,
                "what": kind_label(print_file.kind, print_file.pieces) + f" ({print_file.pieces})",
                "paper_label": str(PAPER_NAMES[print_file.paper]),
                "pages": None,
                "envelope_numbers": _numbers(print_file.envelopes),
                "how": _how_to_print(print_file, is_two_sided(print_file)),
            }
        )
    envelopes = []
    for print_file in files:
        for envelope in print_file.envelopes:
            weight = envelope.weight(context.paper)
            postage, _note = context.postage(envelope, weight)
            envelopes.append(
                {
                    "number": envelope.number,
                    "kind_label": kind_label(envelope.kind, len(envelope.pieces)),
                    "count": len(envelope.pieces),
                    "person": envelope.person,
                    "destination": ", ".join(envelope.destination.lines),
                    "sample": envelope.destination.sample,
                    "weight": _("%(grams)s g each", grams=weight.grams)
                    if weight.per_item
                    else _("%(grams)s g", grams=weight.grams),
                    "postage": _("%(price)s each", price=money(postage))
                    if postage and weight.per_item
                    else money(postage),
                }
            )
    if context.rates_problem:
        note = _("The postage table could not be read: %(problem)s", problem=context.rates_problem)
    elif context.rates is None:
        note = _("Weights are estimates. No postage table: prices are not shown.")
    else:
        note = _(
            "Weights are estimates; postage from the section's table, as of %(date)s.",
            date=format_date(context.today),
        )
    return {
        "batch_id": context.batch_id,
        "made_on": format_date(context.today),
        "files": rows,
        "envelopes": envelopes,
        "postage_note": note,
    }


def write_contents(context: Context, pdf: bytes) -> dict[str, Any]:
    """Write the contents sheet ``pdf`` (see :func:`contents_arguments`); return its entry."""
    name = "00-contents.pdf"
    path = context.work / name
    path.write_bytes(pdf)
    with Source(path) as written:
        for page in written.pages:
            check_size(page, SHEET_SIZES[context.paper])
        pages = len(written.pages)
    return {
        "name": name,
        "kind": "contents",
        "paper": context.paper,
        "path": "",
        "size": path.stat().st_size,
        "pages": pages,
        "two_sided": False,
        "envelopes": [],
    }
