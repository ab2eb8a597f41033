"""Exports of the totals: CSV, JSON and a one-page PDF summary of an event or a group.

CSV format (what a spreadsheet receives):

* Encoding UTF-8 **with a byte-order mark** (``EF BB BF``) so that Excel detects UTF-8 when the
  file is double-clicked; LibreOffice reads it as well. Comma separator, CRLF line endings,
  fields quoted when needed (RFC 4180).
* One column per requested dimension holding a stable value (case slug, event join code, group
  name, kind, language code, channel, ISO day ``YYYY-MM-DD``, edition), then a ``<dim>_label``
  column with the human label, then ``quantity``. The last line is ``TOTAL`` with the sum.
* Text that would start a spreadsheet formula (``= + - @``, tab, carriage return) is prefixed
  with an apostrophe, so a group named ``=HYPERLINK(...)`` stays text.
* The numbers are exactly those of the report page for the same breakdown and filters: both call
  :func:`marathon.reports.service.totals`.

JSON format: ``{"edition", "by", "filters", "rows": [{<dim>, <dim>_label, quantity}], "total"}``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from flask import render_template
from flask_babel import format_decimal

from marathon.i18n import tr
from marathon.reports.service import DIMENSION_LABELS, Row, grand_total

BOM = "\ufeff"
# A cell starting with one of these would run as a formula in Excel or LibreOffice (a group named
# '=HYPERLINK(...)', say): such text cells get a leading apostrophe, shown as plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` for a CSV cell, text that would start a formula prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows_to_csv(by: tuple[str, ...], rows: list[Row]) -> str:
    """The CSV text of ``rows``, BOM first (encode it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header: list[str] = []
    for name in by:
        header += [name, f"{name}_label"]
    writer.writerow([*header, "quantity"])
    for row in rows:
        data = row.as_dict(by)
        writer.writerow([safe_cell(data[column]) for column in header] + [row.quantity])
    writer.writerow(["TOTAL"] + [""] * (len(header) - 1 if header else 0) + [grand_total(rows)])
    return BOM + buffer.getvalue()


def rows_to_json(
    edition: int | None, by: tuple[str, ...], filters: dict[str, Any], rows: list[Row]
) -> dict[str, Any]:
    """The JSON document of ``rows`` (same numbers as the page and the CSV)."""
    return {
        "edition": edition,
        "by": list(by),
        "filters": {key: _plain(value) for key, value in filters.items()},
        "rows": [row.as_dict(by) for row in rows],
        "total": grand_total(rows),
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def rows_to_table(by: tuple[str, ...], rows: list[Row]) -> str:
    """A plain-text table for the terminal."""
    header = [tr(DIMENSION_LABELS[name]) for name in by] + ["Quantity"]
    lines = [[*row.labels, str(row.quantity)] for row in rows]
    lines.append(["TOTAL"] + [""] * (len(by) - 1 if by else 0) + [str(grand_total(rows))])
    if not by:
        lines = [["TOTAL", str(grand_total(rows))]]
        header = ["", "Quantity"]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    out = []
    for line in [header, *lines]:
        cells = [cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=False)]
        out.append("  ".join([*cells, line[-1].rjust(widths[-1])]))
    out.insert(1, "-" * len(out[0]))
    return "\n".join(out)


def summary_pdf(*, title: str, subtitle: str, sections: list[dict[str, Any]], total: int) -> bytes:
    """A printable one-page PDF summary; ``sections`` are ``{"title", "rows": [(label, n)]}``."""
    from weasyprint import HTML

    html = render_template(
        "reports/summary_pdf.html",
        title=title,
        subtitle=subtitle,
        sections=sections,
        total=total,
        generated=datetime.now(UTC),
        fmt=format_decimal,
        font_url=_font_url,
    )
    fetcher, fonts = _render_tools()
    document = HTML(string=html, url_fetcher=fetcher, base_url="marathon-asset://fonts/")
    return document.write_pdf(font_config=fonts)


def _font_url(name: str) -> str:
    return f"marathon-asset://fonts/{name}"


def _render_tools() -> tuple[Any, Any]:
    """The render package's URL fetcher (the app's fonts only) and shared font configuration."""
    from marathon.render.fetcher import FONTS_DIR, SafeURLFetcher
    from marathon.render.fonts import font_configuration

    return SafeURLFetcher({"fonts": FONTS_DIR}), font_configuration()


def dumps(document: dict[str, Any]) -> str:
    """JSON text as served and printed (UTF-8, stable key order)."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)
