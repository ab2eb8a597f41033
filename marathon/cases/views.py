"""Case pages: the edition's list (with filters), one case, its picture."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import format_date, format_number, get_locale, ngettext
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from marathon.cases.models import OUTCOME_LABELS, Case
from marathon.cases.service import (
    case_countries,
    case_themes,
    get_case,
    list_cases,
    photo_mimetype,
    photo_path,
    theme_label,
)
from marathon.countries import country_name
from marathon.editions import current_edition
from marathon.kinds import kind_label, ordered
from marathon.tally.service import case_total, case_totals

blueprint = Blueprint("cases", __name__, template_folder="templates")

# The picture may be an SVG: forbid anything active in it when opened on its own.
PHOTO_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"


def letters_label(count: int) -> str:
    """ "1 letter", "1 234 letters": the number formatted for the interface language."""
    return ngettext("%(count)s letter", "%(count)s letters", count, count=format_number(count))


def paragraphs(text: str) -> list[str]:
    """Blank-line-separated blocks of a case text, for <p> elements."""
    blocks = [" ".join(block.split("\n")).strip() for block in text.split("\n\n")]
    return [block for block in blocks if block]


def lines(text: str) -> list[str]:
    """The non-empty lines of a case text (card rules: one rule per line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def write_url(case: Case) -> str:
    """Where the "Write" button goes: the write journey of the letters package."""
    try:
        return url_for("letters.write", slug=case.slug)
    except BuildError:
        return f"/cases/{case.slug}/write"


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else current_app.config["DEFAULT_LOCALE"]


def _outcome_view(outcome: Any, locale: str) -> dict[str, Any]:
    notes = outcome.notes or {}
    note = notes.get(locale) or notes.get("en") or next(iter(notes.values()), "")
    note_lang = (
        locale if locale in notes else ("en" if "en" in notes else next(iter(notes), locale))
    )
    source = outcome.source_url or ""
    return {
        "date": outcome.date,
        "date_text": format_date(outcome.date, format="long"),
        "kind": outcome.kind,
        "label": OUTCOME_LABELS.get(outcome.kind, outcome.kind),
        "positive": outcome.positive,
        "note": note,
        "note_lang": note_lang,
        "source": source,
        "source_is_link": source.startswith(("https://", "http://")),
    }


def _case_view(case: Case, locale: str, total: int) -> dict[str, Any]:
    text_lang, texts = case.text(locale)
    latest = case.latest_outcome
    return {
        "case": case,
        "slug": case.slug,
        "person": case.person,
        "lang": text_lang,
        "fallback": text_lang != locale,
        "texts": texts,
        "country": country_name(case.country, locale),
        "photo_url": url_for("cases.photo", slug=case.slug, v=(case.content_hash or "")[:8])
        if case.photo
        else None,
        "photo_alt": (case.photo_alt or {}).get(text_lang, ""),
        "latest": _outcome_view(latest, locale) if latest else None,
        "total": total,
        "total_label": letters_label(total),
    }


@blueprint.route("/")
def index() -> str:
    """The cases of the current edition, filtered by country and theme (a plain GET form)."""
    edition = current_edition()
    locale = _locale()
    country = (request.args.get("country") or "").strip().upper()[:2] or None
    theme = (request.args.get("theme") or "").strip()[:80] or None
    cases = list_cases(edition, country=country, theme=theme)
    totals = case_totals(edition)
    views = [_case_view(case, locale, totals.get(case.id, 0)) for case in cases]
    count_label = ngettext(
        "%(count)s case", "%(count)s cases", len(views), count=format_number(len(views))
    )
    return render_template(
        "cases/index.html",
        cases=views,
        countries=case_countries(edition, locale),
        themes=case_themes(edition, locale),
        country=country,
        theme=theme,
        filtered=bool(country or theme),
        count_label=count_label,
    )


@blueprint.route("/cases/<slug>")
def detail(slug: str) -> str:
    """One case: picture, story, the ask, card rules, outcomes, letters so far, "Write"."""
    case = get_case(slug[:80])
    if case is None:
        abort(404)
    locale = _locale()
    view = _case_view(case, locale, case_total(case.id))
    texts = view["texts"]
    return render_template(
        "cases/detail.html",
        c=view,
        story=paragraphs(texts.get("story", "")),
        ask=paragraphs(texts.get("ask", "")),
        rules=lines(texts.get("card_rules", "")),
        outcomes=[_outcome_view(o, locale) for o in reversed(case.outcomes)],
        kinds=[(name, kind_label(name)) for name in ordered(case.kinds)],
        themes=[theme_label(theme, locale) for theme in case.themes or []],
        write_url=write_url(case),
        is_sample=bool(case.sample_fields),
    )


@blueprint.route("/cases/<slug>/photo")
def photo(slug: str) -> Response:
    """The case's picture from its folder (404 when it has none)."""
    case = get_case(slug[:80], include_inactive=True)
    path = photo_path(case) if case else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=photo_mimetype(path), max_age=3600)
    response.headers["Content-Security-Policy"] = PHOTO_CSP
    return response
