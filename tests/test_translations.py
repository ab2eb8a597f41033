"""Every interface string is in every catalogue, translated, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "en", "es", "nl", "de")
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHOD_MAP = [
    ("marathon/**.py", "python"),
    ("marathon/**/templates/**.html", "jinja2"),
    ("marathon/templates/**.html", "jinja2"),
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def source_messages() -> set[str]:
    messages: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=METHOD_MAP,
        options_map={"marathon/**/templates/**.html": {"extensions": "jinja2.ext.do"}},
        keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)},
    ):
        messages.add(message[0] if isinstance(message, tuple) else message)
    return messages


@pytest.fixture(scope="module")
def messages() -> set[str]:
    found = source_messages()
    assert len(found) > 100, "the extractor found almost nothing: is babel.cfg still right?"
    return found


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_string_translated_with_the_same_placeholders(language, messages):
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path} is missing: run `make translations-update`"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    problems = []
    for msgid in sorted(messages):
        entry = catalogue.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        originals = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        if not all(strings):
            problems.append(f"untranslated: {msgid!r}")
            continue
        expected = placeholders(originals[-1])
        for translated in strings:
            if placeholders(translated) != expected and placeholders(translated) != placeholders(
                originals[0]
            ):
                problems.append(f"placeholders differ in {msgid!r}: {translated!r}")
    assert not problems, f"{language}: {len(problems)} problems:\n" + "\n".join(problems[:40])
