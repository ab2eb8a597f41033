"""Letter templates: a sandboxed Jinja environment fed with plain values only.

The templates in ``letter_templates/`` are ours; what a volunteer types is data, never template
source and never markup: it reaches the HTML only through the ``paragraphs`` filter, which escapes
it before adding ``<p>`` and ``<br>``.

The kind (``marathon.kinds``) decides whom a template speaks to: templates get its ``layout``,
``voice`` (formal or personal) and ``recipient``, the envelope window's side (``window``), and the
date written as the letter's language writes it (:func:`letter_date`).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from marathon.kinds import KINDS, Kind
from marathon.languages import text_direction
from marathon.render import fitting
from marathon.render.content import LetterContent
from marathon.render.fetcher import path_url
from marathon.render.fitting import address_size
from marathon.render.paths import templates_dir

# The order languages are offered in; others found on disk come after, alphabetically.
LANGUAGE_ORDER = ("fr", "en", "es", "nl", "de", "ar")
WINDOW_SIDES = ("left", "right")

# Cards and postcards have one fixed space for the message: longer texts get a smaller size.
# Keyed by the kind's paper; characters of salutation + body + personal sentence. The form's
# limits (the kind's body_limit, 400 for the personal sentence) keep the largest allowed text
# legible, on one page, in the "l" size.
TEXT_SIZE_NAMES = ("s", "m", "l")  # the size-* classes of card.css and postcard.css

_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_envs: dict[Path, SandboxedEnvironment] = {}
_envs_lock = threading.Lock()


class UnknownTemplate(LookupError):
    """No template for this kind and language."""


def reset() -> None:
    """Forget the compiled templates (after editing letter_templates/ in a running process)."""
    with _envs_lock:
        _envs.clear()


def paragraphs(text: str | None) -> Markup:
    """Plain text to HTML: blank-line-separated blocks become ``<p>``, single newlines ``<br>``.

    Everything is escaped first, so ``<script>`` stays the seven characters the volunteer typed.
    """
    if not text:
        return Markup("")
    normalized = str(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    blocks = [block.strip("\n") for block in _BLANK_LINES.split(normalized) if block.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(escape(line) for line in block.split("\n"))
        )
        for block in blocks
    )


def text_dir(text: str | None) -> str:
    """``rtl`` or ``ltr`` by the first strongly directional character of ``text``; "" if none.

    Given as ``dir`` to each line of an address: a Latin address in an Arabic letter (or an Arabic
    one in a French letter) keeps its own reading order, its commas where they belong.
    """
    for char in text or "":
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return ""


def _autoescape(name: str | None) -> bool:
    # HTML templates escape everything; the .body.txt templates make plain text, which the HTML
    # templates escape in turn when it comes back as the volunteer's body.
    return not (name or "").endswith(".txt")


def environment(directory: Path | None = None) -> SandboxedEnvironment:
    """The sandboxed environment of a templates directory, made once per process and reused."""
    directory = Path(directory or templates_dir())
    env = _envs.get(directory)
    if env is None:
        with _envs_lock:
            env = _envs.get(directory)
            if env is None:
                env = SandboxedEnvironment(
                    loader=FileSystemLoader(str(directory)),
                    autoescape=_autoescape,
                    undefined=StrictUndefined,
                    auto_reload=False,  # compiled templates stay cached; no stat() per render
                    trim_blocks=False,  # .body.txt newlines are the paragraphs
                    lstrip_blocks=False,
                    keep_trailing_newline=False,
                )
                env.filters["paragraphs"] = paragraphs
                env.filters["text_dir"] = text_dir
                _envs[directory] = env
    return env


def template_languages(kind: str) -> list[str]:
    """The languages that have a template for ``kind``, in the order they are offered."""
    if kind not in KINDS:
        return []
    folder = templates_dir() / kind
    try:
        # Every letter written asks: list the folder again only when it changed.
        changed = folder.stat().st_mtime_ns
    except OSError:
        return []
    return list(_languages_in(str(folder), changed))


@functools.lru_cache(maxsize=64)
def _languages_in(folder: str, _changed: int) -> tuple[str, ...]:
    found = {path.stem for path in Path(folder).glob("*.html")}
    ordered = [lang for lang in LANGUAGE_ORDER if lang in found]
    return (*ordered, *sorted(found - set(ordered)))


def _check(kind: str, language: str) -> None:
    if kind not in KINDS:
        raise UnknownTemplate(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", language or ""):
        raise UnknownTemplate(f"invalid language code {language!r}")
    if not (templates_dir() / kind / f"{language}.html").is_file():
        raise UnknownTemplate(f"no {kind} template in language {language!r}")


def default_body(
    kind: str, language: str, *, person: str = "", country_name: str = "", case_text: str = ""
) -> str:
    """The editable body pre-filled in the form: the case's own text if any, else the template's.

    ``case_text`` is the case's suggested text of this kind (the kind's ``mailed_text`` field, in
    ``language``). The fallback, ``letter_templates/<kind>/<language>.body.txt``, speaks in the
    kind's voice to its recipient; it is given the person's name and country, never the case's
    instructions to volunteers.
    """
    _check(kind, language)
    if case_text and str(case_text).strip():
        return str(case_text).strip()
    template = environment().get_template(f"{kind}/{language}.body.txt")
    values = {"person": person or "", "country_name": country_name or ""}
    return template.render(values).strip() + "\n"


def date_locale(language: str, paper: str) -> str:
    """The Babel locale for the date: English follows the paper (US Letter: US style)."""
    if language == "en":
        return "en_US" if paper == "letter" else "en_GB"
    return language


def letter_date(day: date, language: str, paper: str) -> str:
    """``day`` as the letter's language writes it in a letter ("1er décembre 2026", "6 December
    2026", "December 6, 2026" on US Letter). The templates add their own words around it ("le")."""
    if language.split("_")[0] == "fr" and day.day == 1:
        # French writes the first of the month as an ordinal: « le 1er décembre ».
        return format_date(day, format="'1er' MMMM y", locale="fr")
    return format_date(day, format="long", locale=date_locale(language, paper))


def text_size(content: LetterContent) -> str:
    """``s``, ``m`` or ``l``: the largest type at which the message fits its card or postcard.

    Measured in lines, not characters (forty short lines need more room than one long one); a
    message that fits at no size is refused by the form (:func:`message_fits`).
    """
    layout = _kind(content).layout
    texts = (content.salutation, content.personal_sentence, content.body)
    step = fitting.message_step(layout, texts, rtl=text_direction(content.language) == "rtl")
    return TEXT_SIZE_NAMES[min(step if step is not None else 99, len(TEXT_SIZE_NAMES) - 1)]


def message_fits(kind_name: str, language: str, texts: tuple[str, ...]) -> bool:
    """Whether a message (opening, personal sentence, body) fits the kind's page budget."""
    layout = KINDS[kind_name].layout
    rtl = text_direction(language) == "rtl"
    return fitting.message_step(layout, texts, rtl=rtl) is not None


def window_side(content: LetterContent) -> str:
    """The side of the envelope's window (appeal letters): ``left`` unless ``right`` is asked."""
    return content.window if content.window in WINDOW_SIDES else "left"


def _kind(content: LetterContent) -> Kind:
    return KINDS[content.kind]


def _address_box(content: LetterContent) -> str | None:
    layout = _kind(content).layout
    if layout == "appeal":
        paper = "letter" if content.paper == "letter" else "a4"
        return f"{paper}-{window_side(content)}"
    if layout == "postcard":
        return "postcard"
    return None


def letter_context(content: LetterContent) -> dict[str, Any]:
    """The template's values: plain str, int, bool, list and dict, never model objects."""
    kind = _kind(content)
    addressee = asdict(content.addressee)
    first_name = (content.sender_name.split() or [""])[0]
    addressee_lines = [line for line in addressee["address_lines"] if line]
    all_lines = [
        line
        for line in (
            addressee["title"],
            addressee["name"],
            *addressee_lines,
            addressee["country"].upper(),
        )
        if line
    ]
    sender_one_line = " · ".join(
        part for part in (content.sender_name, content.sender_town, content.sender_country) if part
    )
    direction = text_direction(content.language)
    box = _address_box(content)

    photo_url = path_url(content.photo_path) if content.photo_path else None
    return {
        "kind": content.kind,
        "layout": kind.layout,
        "voice": kind.voice,
        "recipient": kind.recipient,
        "window": window_side(content),
        "lang": content.language,
        "dir": direction,
        "paper": "a6" if kind.paper == "postcard" else content.paper,
        "code": content.code,
        "edition": int(content.case_edition),
        "date_text": letter_date(content.written_on, content.language, content.paper),
        "person": content.person,
        "country_name": content.country_name,
        "sender": {
            "name": content.sender_name,
            "first_name": first_name,
            "town": content.sender_town,
            "country": content.sender_country,
            "one_line": sender_one_line,
        },
        "addressee": {
            "title": addressee["title"],
            "name": addressee["name"],
            "lines": addressee_lines,
            "country": addressee["country"],
            "is_sample": bool(addressee["is_sample"]),
            "all_lines": all_lines,
            "size": address_size(
                box,
                all_lines,
                return_line=sender_one_line,
                sample_mark=bool(addressee["is_sample"]),
                rtl=direction == "rtl",
            )
            if box
            else 0,
        },
        "salutation": content.salutation,
        "body": content.body,
        "personal_sentence": content.personal_sentence,
        "photo_url": photo_url,
        "photo_alt": content.photo_alt,
        "photo_credit": content.photo_credit,
        "cards_to": content.cards_to,
        "text_size": text_size(content),
        "stylesheets": [],
        "inline_css": "",
    }


def render_template(content: LetterContent, **extra: Any) -> str:
    """The HTML of ``content`` from ``letter_templates/<kind>/<lang>.html``."""
    _check(content.kind, content.language)
    context = letter_context(content)
    context.update(extra)
    return environment().get_template(f"{content.kind}/{content.language}.html").render(context)
